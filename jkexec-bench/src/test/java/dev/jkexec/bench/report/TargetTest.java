package dev.jkexec.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.util.List;
import org.junit.jupiter.api.Test;

@Pure
class TargetTest {
    private static Measurements sample() {
        Measurements m = new Measurements();
        for (double v : List.of(2.6, 2.7, 2.8)) {
            m.add(Systems.BOOT, Systems.QEMU_PVH_PC, Systems.BANNER, v);
        }
        for (double v : List.of(0.6, 3.0)) {
            m.add(Systems.BOOT, Systems.QEMU_PVH_MICROVM, Systems.BANNER, v); // median 1.8: the strongest form
        }
        for (double v : List.of(0.25, 0.27, 0.30)) {
            m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.BANNER, v);
        }
        m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.INIT, 2.9);
        m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.KERNEL_INIT, 2.6);
        m.add(Systems.CRASH, Systems.JK_CRASH, Systems.RESERVED, 0);
        return m;
    }

    private static Target.Outcome outcome(String goalStart, String system) {
        return Target.endToEnd().stream().filter(t -> t.goal().startsWith(goalStart) && t.system().equals(system)).findFirst()
                .orElseThrow().evaluate(sample());
    }

    @Test
    void ratioToTheStrongestPeersMedian() {
        Target t = Target.endToEnd().stream().filter(x -> x.goal().startsWith("in-process boot → banner")).findFirst().orElseThrow();
        Target.Outcome o = t.evaluate(sample());
        assertThat(o.value().getAsDouble()).isCloseTo(0.27 / 1.8, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(o.met()).contains(true);
        assertThat(t.against(sample())).contains(Systems.QEMU_PVH_MICROVM);
    }

    @Test
    void ratioToTheSystemsOwnMetric() {
        Target t = new Target("init ≤ 1.15× own", Systems.BOOT, Systems.JK_VMLINUX, Systems.INIT,
                new Target.Reference.Own(Systems.KERNEL_INIT), true, 1.15);
        Target.Outcome o = t.evaluate(sample());
        assertThat(o.value().getAsDouble()).isCloseTo(2.9 / 2.6, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(o.met()).contains(true);
    }

    @Test
    void everyTargetOfIssue11IsListed() {
        assertThat(Target.endToEnd().stream().map(Target::goal).distinct().toList()).anyMatch(g -> g.startsWith("`jkexec run` (CLI) → banner ≤ 0.8×"))
                .anyMatch(g -> g.startsWith("`jkexec run` (CLI) → init ≤ 1.0×")).anyMatch(g -> g.startsWith("in-process boot → banner ≤ 0.5×"))
                .anyMatch(g -> g.startsWith("exec → banner ≤ 0.5×")).anyMatch(g -> g.startsWith("panic → crash banner ≤ 1.0×"))
                .anyMatch(g -> g.startsWith("host dump of a 1 GiB guest ≤ 0.5×")).anyMatch(g -> g.startsWith("kdump format no larger"))
                .anyMatch(g -> g.startsWith("default bzImage path, CLI → init ≤ 0.8×"))
                .anyMatch(g -> g.startsWith("the CLI's own overhead"));
    }

    @Test
    void absoluteValueAndMissingData() {
        assertThat(outcome("0 bytes", Systems.JK_CRASH).met()).contains(true);
        Target.Outcome missing = outcome("exec → banner", Systems.JK_EXEC_VMLINUX);
        assertThat(missing.value()).isEmpty();
        assertThat(missing.met()).isEmpty();
    }

    @Test
    void aMissedBoundIsReportedAsMissed() {
        Measurements m = sample();
        m.add(Systems.BOOT, Systems.JK_CLI_VMLINUX, Systems.BANNER, 2.9);
        Target t = Target.endToEnd().stream().filter(x -> x.goal().startsWith("`jkexec run` (CLI) → banner"))
                .findFirst().orElseThrow();
        assertThat(t.evaluate(m).met()).contains(false);
    }
}
