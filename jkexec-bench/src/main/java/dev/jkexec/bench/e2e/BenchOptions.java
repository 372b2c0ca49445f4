package dev.jkexec.bench.e2e;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The harness's command line.
 *
 * <pre>
 * --quick            2 runs per system (1 for dumps), and of JMH only the relocation walk against a memory copy
 *                    (1 warmup + 2 iterations): a whole report in a few minutes, for trying it
 * --runs N           runs per system (default 5; at least 1)
 * --only S,S         scenarios among boot, exec, crash, load, dump (default all)
 * --jmh full|quick|reloc|skip   micro benchmarks: 5 warmup + 10 measurement iterations, 2 + 3, the relocation
 *                    pair only (1 + 2), or none
 * --root DIR         the jkexec checkout (default: the working directory)
 * --work DIR         inputs, logs and raw results (default ROOT/jkexec-bench/target/bench-work)
 * --out DIR          where performance.md and performance.svg go (default ROOT/docs)
 * --report-only      rewrite the report from WORK's saved results, measuring nothing
 * </pre>
 */
public record BenchOptions(int runs, boolean quick, Set<String> only, String jmh, Path root, Path work, Path out,
                           boolean reportOnly) {
    static final List<String> SCENARIOS = List.of("boot", "exec", "crash", "load", "dump");

    /** @throws IllegalArgumentException naming the argument that is wrong */
    public static BenchOptions parse(String[] args) {
        int runs = -1;
        boolean quick = false;
        Set<String> only = new LinkedHashSet<>(SCENARIOS);
        String jmh = null;
        Path root = Path.of("").toAbsolutePath();
        Path work = null;
        Path out = null;
        boolean reportOnly = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> quick = true;
                case "--report-only" -> reportOnly = true;
                case "--runs" -> {
                    runs = Integer.parseInt(value(args, ++i, a));
                    if (runs < 1) {
                        throw new IllegalArgumentException("--runs must be at least 1");
                    }
                }
                case "--only" -> {
                    only = new LinkedHashSet<>(List.of(value(args, ++i, a).split(",")));
                    for (String s : only) {
                        if (!SCENARIOS.contains(s)) {
                            throw new IllegalArgumentException("--only: unknown scenario '" + s + "' (known: " + SCENARIOS + ")");
                        }
                    }
                }
                case "--jmh" -> {
                    jmh = value(args, ++i, a);
                    if (!List.of("full", "quick", "reloc", "skip").contains(jmh)) {
                        throw new IllegalArgumentException("--jmh must be full, quick, reloc or skip, not '" + jmh + "'");
                    }
                }
                case "--root" -> root = Path.of(value(args, ++i, a)).toAbsolutePath();
                case "--work" -> work = Path.of(value(args, ++i, a)).toAbsolutePath();
                case "--out" -> out = Path.of(value(args, ++i, a)).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (runs < 0) {
            runs = quick ? 2 : 5;
        }
        if (jmh == null) {
            jmh = quick ? "reloc" : "full";
        }
        return new BenchOptions(runs, quick, Set.copyOf(only), jmh, root,
                work != null ? work : root.resolve("jkexec-bench/target/bench-work"),
                out != null ? out : root.resolve("docs"), reportOnly);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    /** The benchmarks JMH runs (a regular expression over their full names). */
    public String jmhInclude() {
        return jmh.equals("reloc") ? "dev\\.jkexec\\.bench\\.micro\\.RelocationBench\\.(walk|memoryCopy)$" : "dev.jkexec.bench.micro";
    }

    /** Runs of the dump scenario (each boots, fills and panics a guest, then writes five dumps). */
    public int dumpRuns() {
        return quick ? 1 : runs;
    }

    /** JMH's iteration options for the chosen mode. */
    public List<String> jmhArgs() {
        return switch (jmh) {
            case "full" -> List.of("-wi", "5", "-i", "10", "-f", "1", "-w", "1s", "-r", "1s");
            case "quick" -> List.of("-wi", "2", "-i", "3", "-f", "1", "-w", "1s", "-r", "1s");
            case "reloc" -> List.of("-wi", "1", "-i", "2", "-f", "1", "-w", "1s", "-r", "1s");
            default -> List.of();
        };
    }
}
