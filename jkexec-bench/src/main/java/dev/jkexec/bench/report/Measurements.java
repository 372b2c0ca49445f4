package dev.jkexec.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every end-to-end number of a benchmark run, by {@link Key}, in the order first recorded. Stored
 * as TSV ({@code scenario system metric run value}, one value per line) so the report can be
 * regenerated from a run's results without running it again. Thread-safe.
 */
public final class Measurements {
    private static final String HEADER = "scenario\tsystem\tmetric\trun\tvalue";
    private final Map<Key, List<Double>> values = new LinkedHashMap<>();

    public synchronized void add(Key key, double value) {
        if (Double.isNaN(value) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(key + ": not a number: " + value);
        }
        values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
    }

    public void add(String scenario, String system, String metric, double value) {
        add(new Key(scenario, system, metric), value);
    }

    public synchronized List<Key> keys() {
        return List.copyOf(values.keySet());
    }

    public synchronized List<Double> values(Key key) {
        return List.copyOf(values.getOrDefault(key, List.of()));
    }

    public synchronized Optional<Stats> stats(Key key) {
        List<Double> v = values.get(key);
        return v == null || v.isEmpty() ? Optional.empty() : Optional.of(Stats.of(v));
    }

    /** The systems measured in {@code scenario}, in first-recorded order. */
    public synchronized List<String> systems(String scenario) {
        return values.keySet().stream().filter(k -> k.scenario().equals(scenario)).map(Key::system).distinct().toList();
    }

    /** The metrics recorded for {@code system} in {@code scenario}, in first-recorded order. */
    public synchronized List<String> metrics(String scenario, String system) {
        return values.keySet().stream().filter(k -> k.scenario().equals(scenario) && k.system().equals(system))
                .map(Key::metric).distinct().toList();
    }

    public synchronized String toTsv() {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (Map.Entry<Key, List<Double>> e : values.entrySet()) {
            List<Double> v = e.getValue();
            for (int i = 0; i < v.size(); i++) {
                Key k = e.getKey();
                b.append(k.scenario()).append('\t').append(k.system()).append('\t').append(k.metric()).append('\t')
                        .append(i + 1).append('\t').append(v.get(i)).append('\n');
            }
        }
        return b.toString();
    }

    /** @throws IllegalArgumentException naming the line that is not {@code scenario system metric run value} */
    public static Measurements parseTsv(String tsv) {
        Measurements m = new Measurements();
        String[] lines = tsv.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || (i == 0 && line.equals(HEADER))) {
                continue;
            }
            String[] f = line.split("\t", -1);
            if (f.length != 5) {
                throw new IllegalArgumentException("line " + (i + 1) + ": " + f.length + " fields, expected 5: " + line);
            }
            try {
                m.add(new Key(f[0], f[1], f[2]), Double.parseDouble(f[4]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("line " + (i + 1) + ": value '" + f[4] + "' is not a number", e);
            }
        }
        return m;
    }

    public void write(Path file) {
        try {
            Files.writeString(file, toTsv(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Measurements read(Path file) {
        try {
            return parseTsv(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Adds every value of {@code other}. */
    public void addAll(Measurements other) {
        for (Key k : other.keys()) {
            for (double v : other.values(k)) {
                add(k, v);
            }
        }
    }
}
