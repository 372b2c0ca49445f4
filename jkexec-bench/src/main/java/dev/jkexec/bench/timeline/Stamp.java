package dev.jkexec.bench.timeline;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One line of a guest's serial output (or of a process's output) with the host time it arrived.
 *
 * @param seconds host seconds since the run's origin (process start, or {@code Machine.start}),
 *                stamped when the line's end reached the host
 * @param text    the line, carriage returns removed
 */
public record Stamp(double seconds, String text) {
    private static final Pattern PRINTK = Pattern.compile("\\[\\s*(\\d+\\.\\d+)\\]");

    public Stamp {
        Objects.requireNonNull(text, "text");
    }

    /**
     * The guest's own printk timestamp in the line ({@code [    4.714475] ...}), if it has one: the
     * kernel's uptime when it logged the line.
     */
    public OptionalDouble printk() {
        Matcher m = PRINTK.matcher(text);
        return m.find() ? OptionalDouble.of(Double.parseDouble(m.group(1))) : OptionalDouble.empty();
    }
}
