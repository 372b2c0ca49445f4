package dev.jkexec.bench.timeline;

import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.regex.Pattern;

/**
 * The stamped lines of one run, in arrival order, and the queries the scenarios ask of them.
 * Every query returns the first matching line at or after a time (or after another line), so a
 * timeline with two kernels' banners is read in order: the first kernel's, then the next one's.
 */
public record Timeline(List<Stamp> lines) {
    public Timeline {
        lines = List.copyOf(lines);
    }

    /** The first line in which {@code pattern} is found. */
    public Optional<Stamp> first(Pattern pattern) {
        return first(pattern, Double.NEGATIVE_INFINITY);
    }

    /** The first line at or after {@code seconds} in which {@code pattern} is found. */
    public Optional<Stamp> first(Pattern pattern, double seconds) {
        for (Stamp s : lines) {
            if (s.seconds() >= seconds && pattern.matcher(s.text()).find()) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The first line after {@code after} (later in the list, not merely later in time) matching {@code pattern}. */
    public Optional<Stamp> firstAfter(Pattern pattern, Stamp after) {
        int i = lines.indexOf(after);
        for (int j = i + 1; j < lines.size(); j++) {
            if (pattern.matcher(lines.get(j).text()).find()) {
                return Optional.of(lines.get(j));
            }
        }
        return Optional.empty();
    }

    /** Seconds from {@code from} to the first line after it matching {@code pattern}, if there is one. */
    public OptionalDouble secondsAfter(Stamp from, Pattern pattern) {
        return firstAfter(pattern, from).map(s -> OptionalDouble.of(s.seconds() - from.seconds()))
                .orElse(OptionalDouble.empty());
    }

    /** The whole output, one stamped line per line, for logs. */
    public String render() {
        StringBuilder b = new StringBuilder();
        for (Stamp s : lines) {
            b.append(String.format("%10.6f %s%n", s.seconds(), s.text()));
        }
        return b.toString();
    }
}
