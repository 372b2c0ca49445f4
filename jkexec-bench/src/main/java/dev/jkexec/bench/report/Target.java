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

    /** The value this target compares, from {@code m}. */
    public Outcome evaluate(Measurements m) {
        Optional<Stats> own = m.stats(new Key(scenario, system, metric));
        if (own.isEmpty()) {
            return new Outcome(this, OptionalDouble.empty());
        }
        Optional<Stats> ref = switch (reference) {
            case Reference.Peer p -> m.stats(new Key(scenario, p.system(), metric));
            case Reference.Own o -> m.stats(new Key(scenario, system, o.metric()));
            case Reference.Absolute a -> Optional.of(new Stats(1, 1, 1, 1));
        };
        if (ref.isEmpty() || ref.get().median() == 0) {
            return new Outcome(this, OptionalDouble.empty());
        }
        return new Outcome(this, OptionalDouble.of(own.get().median() / ref.get().median()));
    }

    /** The end-to-end targets of issue 6, one per jkexec system they apply to. */
    public static List<Target> endToEnd() {
        List<Target> t = new ArrayList<>();
        List<String> boots = List.of(Systems.JK_VMLINUX, Systems.JK_DECOMPRESSED, Systems.JK_BZ, Systems.JK_CLI_VMLINUX,
                Systems.JK_CLI_BZ);
        for (String s : boots) {
            t.add(new Target("boot → banner ≤ 0.1× QEMU's direct boot", Systems.BOOT, s, Systems.BANNER,
                    new Reference.Peer(Systems.QEMU_DIRECT), true, 0.1));
        }
        for (String s : boots) {
            t.add(new Target("boot → init ≤ 1.15× the kernel's own init time", Systems.BOOT, s, Systems.INIT,
                    new Reference.Own(Systems.KERNEL_INIT), true, 1.15));
        }
        for (String s : List.of(Systems.JK_EXEC_VMLINUX, Systems.JK_EXEC_DECOMPRESSED, Systems.JK_EXEC_BZ)) {
            t.add(new Target("exec → banner ≤ 0.1× kexec-tools", Systems.EXEC, s, Systems.BANNER,
                    new Reference.Peer(Systems.KEXEC_TOOLS), true, 0.1));
        }
        for (String s : List.of(Systems.JK_CRASH_DECOMPRESSED, Systems.JK_CRASH)) {
            t.add(new Target("panic → crash banner ≤ 0.1× kdump", Systems.CRASH, s, Systems.BANNER,
                    new Reference.Peer(Systems.KDUMP), true, 0.1));
        }
        for (String s : List.of(Systems.JK_CRASH_DECOMPRESSED, Systems.JK_CRASH)) {
            t.add(new Target("0 bytes of guest RAM reserved (MiB)", Systems.CRASH, s, Systems.RESERVED,
                    new Reference.Absolute(), true, 0));
        }
        for (String s : List.of(Systems.JK_LOAD, Systems.JK_PLAN_CLI)) {
            t.add(new Target("load ≤ 0.25× `kexec -l`", Systems.LOAD, s, Systems.LOAD_TIME,
                    new Reference.Peer(Systems.KEXEC_L), true, 0.25));
        }
        return t;
    }
}
