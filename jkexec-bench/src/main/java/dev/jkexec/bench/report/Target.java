package dev.jkexec.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * A goal a jkexec number is reported against (issue 6). Targets are only ever reported — never
 * asserted in a test: a missed target is a finding, with its breakdown beside it in the report.
 *
 * @param goal      what the issue asks, in words
 * @param scenario  where the number is
 * @param system    the jkexec system measured
 * @param metric    the metric compared
 * @param reference what the number is divided by, if anything
 * @param atMost    true: the value must be ≤ limit; false: ≥ limit
 * @param limit     the bound
 */
public record Target(String goal, String scenario, String system, String metric, Reference reference, boolean atMost,
                     double limit) {

    /** What the measured median is divided by. */
    public sealed interface Reference {
        /** The median of the same metric of this peer system in the same scenario. */
        record Peer(String system) implements Reference {
        }

        /** The lowest median of the same metric among these peers: the strongest form that ran. */
        record BestPeer(List<String> systems) implements Reference {
        }

        /** The median of another metric of the same system (e.g. the kernel's own init time). */
        record Own(String metric) implements Reference {
        }

        /** Nothing: the median itself is compared. */
        record Absolute() implements Reference {
        }
    }

    /** The result of a target on a run's measurements: the value compared, and whether it met the bound. */
    public record Outcome(Target target, OptionalDouble value) {
        /** Empty when the run has no numbers for it. */
        public Optional<Boolean> met() {
            if (value.isEmpty()) {
                return Optional.empty();
            }
            double v = value.getAsDouble();
            return Optional.of(target.atMost() ? v <= target.limit() : v >= target.limit());
        }
    }

    /** The peer this target divides by in {@code m} (for a best-of, the one with the lowest median), if any. */
    public Optional<String> against(Measurements m) {
        return switch (reference) {
            case Reference.Peer p -> Optional.of(p.system());
            case Reference.BestPeer b -> b.systems().stream().filter(x -> m.stats(new Key(scenario, x, metric)).isPresent())
                    .min(java.util.Comparator.comparingDouble(x -> m.stats(new Key(scenario, x, metric)).orElseThrow().median()));
            case Reference.Own o -> Optional.of("its own " + o.metric());
            case Reference.Absolute a -> Optional.empty();
        };
    }

    /** The value this target compares, from {@code m}. */
    public Outcome evaluate(Measurements m) {
        Optional<Stats> own = m.stats(new Key(scenario, system, metric));
        if (own.isEmpty()) {
            return new Outcome(this, OptionalDouble.empty());
        }
        Optional<Stats> ref = switch (reference) {
            case Reference.Peer p -> m.stats(new Key(scenario, p.system(), metric));
            case Reference.BestPeer b -> b.systems().stream().map(x -> m.stats(new Key(scenario, x, metric)))
                    .flatMap(Optional::stream).min(java.util.Comparator.comparingDouble(Stats::median));
            case Reference.Own o -> m.stats(new Key(scenario, system, o.metric()));
            case Reference.Absolute a -> Optional.of(new Stats(1, 1, 1, 1));
        };
        if (ref.isEmpty() || ref.get().median() == 0) {
            return new Outcome(this, OptionalDouble.empty());
        }
        return new Outcome(this, OptionalDouble.of(own.get().median() / ref.get().median()));
    }

    /** The CLI's own overhead: launcher and JVM start to QEMU's exec (stamped by a wrapper on the PATH). */
    public static final String QEMU_LAUNCHED = Systems.phase("QEMU launched (launcher + JVM start → exec of qemu)");

    /** The end-to-end targets of issue 11 (item 4), then those of issue 6 that still stand. */
    public static List<Target> endToEnd() {
        List<Target> t = new ArrayList<>();
        Reference pvh = new Reference.BestPeer(List.of(Systems.QEMU_PVH_PC, Systems.QEMU_PVH_MICROVM));
        t.add(new Target("`jkexec run` (CLI) → banner ≤ 0.8× QEMU PVH, same vmlinux", Systems.BOOT, Systems.JK_CLI_VMLINUX,
                Systems.BANNER, pvh, true, 0.8));
        t.add(new Target("`jkexec run` (CLI) → init ≤ 1.0× QEMU PVH, same vmlinux", Systems.BOOT, Systems.JK_CLI_VMLINUX,
                Systems.INIT, pvh, true, 1.0));
        t.add(new Target("in-process boot → banner ≤ 0.5× QEMU PVH, same vmlinux", Systems.BOOT, Systems.JK_VMLINUX,
                Systems.BANNER, pvh, true, 0.5));
        Reference kexecBest = new Reference.BestPeer(List.of(Systems.KEXEC_TOOLS_ELF_I, Systems.KEXEC_TOOLS_ELF, Systems.KEXEC_TOOLS));
        for (String s : List.of(Systems.JK_EXEC_VMLINUX, Systems.JK_EXEC_DECOMPRESSED)) {
            t.add(new Target("exec → banner ≤ 0.5× kexec-tools' fastest form (ELF vmlinux, `-i`)", Systems.EXEC, s, Systems.BANNER,
                    kexecBest, true, 0.5));
        }
        Reference kdumpBest = new Reference.BestPeer(List.of(Systems.KDUMP_ELF_I, Systems.KDUMP));
        for (String s : List.of(Systems.JK_CRASH_DECOMPRESSED, Systems.JK_CRASH)) {
            t.add(new Target("panic → crash banner ≤ 1.0× kdump's fastest form (ELF vmlinux, `-i`)", Systems.CRASH, s, Systems.BANNER,
                    kdumpBest, true, 1.0));
        }
        t.add(new Target("host dump of a 1 GiB guest ≤ 0.5× QEMU `dump-guest-memory` (ELF)", Systems.DUMP, Systems.JK_DUMP_ELF,
                Systems.DUMP_TIME, new Reference.Peer(Systems.QEMU_DUMP_ELF), true, 0.5));
        for (String s : List.of(Systems.JK_DUMP_KDUMP_1, Systems.JK_DUMP_KDUMP_31)) {
            t.add(new Target("kdump format no larger than QEMU's kdump-zlib", Systems.DUMP, s, Systems.DUMP_SIZE,
                    new Reference.Peer(Systems.QEMU_DUMP_KDUMP), true, 1.0));
            t.add(new Target("… and written in less time", Systems.DUMP, s, Systems.DUMP_TIME,
                    new Reference.Peer(Systems.QEMU_DUMP_KDUMP), true, 1.0));
        }
        t.add(new Target("default bzImage path, CLI → init ≤ 0.8× QEMU's default bzImage boot (SeaBIOS)", Systems.BOOT,
                Systems.JK_CLI_BZ, Systems.INIT, new Reference.Peer(Systems.QEMU_DIRECT), true, 0.8));
        for (String s : List.of(Systems.JK_CLI_VMLINUX, Systems.JK_CLI_BZ)) {
            t.add(new Target("the CLI's own overhead (launcher + JVM start → QEMU launched) ≤ 0.150 s", Systems.BOOT, s,
                    QEMU_LAUNCHED, new Reference.Absolute(), true, 0.150));
        }
        for (String s : List.of(Systems.JK_CRASH_DECOMPRESSED, Systems.JK_CRASH)) {
            t.add(new Target("0 bytes of guest RAM reserved (MiB) (issue 6)", Systems.CRASH, s, Systems.RESERVED,
                    new Reference.Absolute(), true, 0));
        }
        for (String s : List.of(Systems.JK_LOAD, Systems.JK_PLAN_CLI)) {
            t.add(new Target("load ≤ 0.25× `kexec -l` (issue 6)", Systems.LOAD, s, Systems.LOAD_TIME,
                    new Reference.Peer(Systems.KEXEC_L), true, 0.25));
        }
        return t;
    }
}
