package dev.jkexec.bench.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Median, minimum and maximum of a set of runs. The median of an even count is the mean of the two
 * middle values (as {@code analyze.sh} computes it).
 */
public record Stats(int n, double min, double median, double max) {
    /** @throws IllegalArgumentException for no values, or a NaN among them */
    public static Stats of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        List<Double> v = new ArrayList<>(values);
        if (v.stream().anyMatch(d -> d.isNaN())) {
            throw new IllegalArgumentException("NaN among " + values);
        }
        Collections.sort(v);
        int n = v.size();
        double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
        return new Stats(n, v.getFirst(), median, v.getLast());
    }
}
