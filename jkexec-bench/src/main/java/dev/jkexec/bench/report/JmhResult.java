package dev.jkexec.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One JMH result as JMH's JSON output ({@code -rf json}) gives it.
 *
 * @param benchmark  the fully qualified method, e.g. {@code dev.jkexec.bench.micro.RelocationBench.walk}
 * @param mode       {@code avgt}, {@code thrpt}, ...
 * @param params     the {@code @Param} values
 * @param score      the primary metric
 * @param error      its 99.9% confidence half-width (NaN when JMH had too few iterations)
 * @param unit       e.g. {@code ms/op}
 * @param iterations measurement iterations (all forks)
 */
public record JmhResult(String benchmark, String mode, Map<String, String> params, double score, double error, String unit,
                        int iterations) {
    public JmhResult {
        params = Map.copyOf(params);
    }

    /** {@code Class.method}, without the package. */
    public String shortName() {
        String[] parts = benchmark.split("\\.");
        return parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
    }

    /** Short name plus params: {@code DecompressBench.decompress kernel=generic}. */
    public String label() {
        StringBuilder b = new StringBuilder(shortName());
        new TreeMap<>(params).forEach((k, v) -> b.append(' ').append(k).append('=').append(v));
        return b.toString();
    }

    /** The score converted to seconds per operation (avgt/ss/sample modes), if the unit is a time per op. */
    public Optional<Double> secondsPerOp() {
        double f = switch (unit) {
            case "s/op" -> 1;
            case "ms/op" -> 1e-3;
            case "us/op" -> 1e-6;
            case "ns/op" -> 1e-9;
            default -> Double.NaN;
        };
        return Double.isNaN(f) ? Optional.empty() : Optional.of(score * f);
    }

    /** Parses JMH's JSON array. */
    public static List<JmhResult> parse(String json) {
        try {
            JsonNode root = new ObjectMapper().readTree(json);
            if (root == null || !root.isArray()) {
                throw new IllegalArgumentException("JMH results: expected a JSON array");
            }
            List<JmhResult> out = new ArrayList<>();
            for (JsonNode r : root) {
                Map<String, String> params = new TreeMap<>();
                JsonNode p = r.path("params");
                for (Iterator<Map.Entry<String, JsonNode>> it = p.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    params.put(e.getKey(), e.getValue().asText());
                }
                JsonNode pm = r.path("primaryMetric");
                JsonNode err = pm.path("scoreError");
                double error = err.isNumber() ? err.asDouble() : Double.NaN;
                int iterations = 0;
                for (JsonNode fork : pm.path("rawData")) {
                    iterations += fork.size();
                }
                out.add(new JmhResult(r.path("benchmark").asText(), r.path("mode").asText(), params,
                        pm.path("score").asDouble(), error, pm.path("scoreUnit").asText(), iterations));
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("JMH results: not JSON: " + e.getMessage(), e);
        }
    }

    public static List<JmhResult> read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The result of {@code Class.method} (short name) whose params include {@code params}. */
    public static Optional<JmhResult> find(List<JmhResult> results, String shortName, Map<String, String> params) {
        return results.stream().filter(r -> r.shortName().equals(shortName))
                .filter(r -> r.params().entrySet().containsAll(params.entrySet())).findFirst();
    }
}
