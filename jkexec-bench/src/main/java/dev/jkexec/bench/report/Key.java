package dev.jkexec.bench.report;

import java.util.Objects;

/**
 * What one number measures: a scenario ({@code boot}, {@code exec}, ...), the system that did it
 * (a peer or a jkexec variant, see {@link Systems}) and the metric ({@code start → banner}, a phase).
 * None of the three may contain a tab or a line break (they are stored as TSV).
 */
public record Key(String scenario, String system, String metric) {
    public Key {
        for (String s : new String[] {scenario, system, metric}) {
            Objects.requireNonNull(s);
            if (s.contains("\t") || s.contains("\n")) {
                throw new IllegalArgumentException("tab or newline in key part: " + s);
            }
        }
    }
}
