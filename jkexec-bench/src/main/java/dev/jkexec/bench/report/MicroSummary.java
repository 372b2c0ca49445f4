package dev.jkexec.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The JMH numbers the report shows, with what follows from them: relocation walk and staging as a
 * fraction of a plain memory copy of the same bytes, SHA-256 and decompression throughput. The
 * micro targets of issue 6 (relocation ≥ 0.8× memory copy, digest ≥ 1 GB/s) are evaluated here.
 */
public final class MicroSummary {
    /** One derived number: what it is, its value and unit, and the target it is held against, if any. */
    public record Derived(String what, double value, String unit, Optional<String> goal, Optional<Boolean> met) {
    }

    private MicroSummary() {
    }

    /**
     * @param payloadBytes decompressed payload size per DecompressBench {@code kernel} param
     *                     ({@code generic}, {@code cloud}), for throughput; missing entries are skipped
     */
    public static List<Derived> derive(List<JmhResult> results, Map<String, Long> payloadBytes) {
        List<Derived> out = new ArrayList<>();
        Optional<JmhResult> copy = JmhResult.find(results, "RelocationBench.memoryCopy", Map.of());
        Optional<JmhResult> walk = JmhResult.find(results, "RelocationBench.walk", Map.of());
        Optional<JmhResult> stage = JmhResult.find(results, "RelocationBench.stage", Map.of());
        if (copy.isPresent() && walk.isPresent()) {
            double r = copy.get().score() / walk.get().score();
            out.add(new Derived("relocation walk / memory copy (throughput ratio)", r, "×",
                    Optional.of("≥ 0.8× memory copy"), Optional.of(r >= 0.8)));
        }
        Optional<JmhResult> pageByPage = JmhResult.find(results, "RelocationBench.walkPageByPage", Map.of());
        if (copy.isPresent() && pageByPage.isPresent()) {
            out.add(new Derived("reference page-by-page walk / memory copy (throughput ratio)",
                    copy.get().score() / pageByPage.get().score(), "×", Optional.empty(), Optional.empty()));
        }
        Optional<JmhResult> runs = JmhResult.find(results, "RelocationBench.memoryCopyListPageRuns", Map.of());
        if (copy.isPresent() && runs.isPresent()) {
            out.add(new Derived("memory copy in list-page-sized runs / one memory copy",
                    copy.get().score() / runs.get().score(), "×", Optional.empty(), Optional.empty()));
        }
        if (copy.isPresent() && stage.isPresent()) {
            out.add(new Derived("page-list build (staging) / memory copy (throughput ratio)",
                    copy.get().score() / stage.get().score(), "×", Optional.empty(), Optional.empty()));
        }
        for (String bench : List.of("RelocationBench.memoryCopy", "RelocationBench.memoryCopyListPageRuns",
                "RelocationBench.walk", "RelocationBench.walkPageByPage", "RelocationBench.stage")) {
            JmhResult.find(results, bench, Map.of()).ifPresent(r -> bytesPerSecond(r, "imageMiB").ifPresent(g ->
                    out.add(new Derived(r.shortName() + " throughput", g / 1e9, "GB/s", Optional.empty(), Optional.empty()))));
        }
        JmhResult.find(results, "DigestBench.sha256Data", Map.of()).ifPresent(r -> bytesPerSecond(r, "imageMiB").ifPresent(g ->
                out.add(new Derived("SHA-256 of image bytes", g / 1e9, "GB/s", Optional.of("≥ 1 GB/s"), Optional.of(g >= 1e9)))));
        JmhResult.find(results, "DigestBench.sha256Zeros", Map.of()).ifPresent(r -> bytesPerSecond(r, "imageMiB").ifPresent(g ->
                out.add(new Derived("SHA-256 of zero tails", g / 1e9, "GB/s", Optional.empty(), Optional.empty()))));
        for (JmhResult r : results) {
            if (r.shortName().equals("DecompressBench.parseAndDecompress")) {
                String kernel = r.params().get("kernel");
                Long bytes = kernel == null ? null : payloadBytes.get(kernel);
                if (bytes != null && r.secondsPerOp().isPresent()) {
                    out.add(new Derived("bzImage parse + decompress, " + kernel + " (output)",
                            bytes / r.secondsPerOp().get() / 1e6, "MB/s", Optional.empty(), Optional.empty()));
                }
            }
        }
        return out;
    }

    /** Bytes per second of a result whose param {@code mibParam} gives the MiB each operation handles. */
    static Optional<Double> bytesPerSecond(JmhResult r, String mibParam) {
        String mib = r.params().get(mibParam);
        if (mib == null || r.secondsPerOp().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of((Long.parseLong(mib) << 20) / r.secondsPerOp().get());
    }
}
