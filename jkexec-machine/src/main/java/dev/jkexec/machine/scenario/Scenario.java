package dev.jkexec.machine.scenario;

import java.util.List;

/**
 * A scenario: machine settings, then steps, run in order by {@link ScenarioRunner}. Written in
 * JSON ({@link ScenarioParser} documents the format).
 *
 * @param name        short name
 * @param description what it shows
 * @param machine     machine settings (absent fields take the defaults)
 * @param steps       the steps
 */
public record Scenario(String name, String description, Settings machine, List<Step> steps) {
    public Scenario {
        steps = List.copyOf(steps);
    }

    /**
     * Machine settings; sizes as {@code "1G"}, {@code "256M"} or bytes; null = default.
     */
    public record Settings(Long ram, Integer cpus, Long crashSize, Long staging, String accel) {
    }
}
