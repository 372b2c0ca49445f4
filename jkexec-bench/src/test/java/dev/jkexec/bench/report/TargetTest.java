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
            m.add(Systems.BOOT, Systems.QEMU_DIRECT, Systems.BANNER, v);
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
    void ratioToThePeersMedian() {
        Target.Outcome o = outcome("boot → banner", Systems.JK_VMLINUX);
        assertThat(o.value().getAsDouble()).isCloseTo(0.27 / 2.7, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(o.met()).contains(true);
    }

    @Test
    void ratioToTheSystemsOwnMetric() {
        Target.Outcome o = outcome("boot → init", Systems.JK_VMLINUX);
        assertThat(o.value().getAsDouble()).isCloseTo(2.9 / 2.6, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(o.met()).contains(true);
    }

    @Test
    void absoluteValueAndMissingData() {
        assertThat(outcome("0 bytes", Systems.JK_CRASH).met()).contains(true);
        Target.Outcome missing = outcome("exec → banner", Systems.JK_EXEC_BZ);
        assertThat(missing.value()).isEmpty();
        assertThat(missing.met()).isEmpty();
    }

    @Test
    void aMissedBoundIsReportedAsMissed() {
        Measurements m = sample();
        m.add(Systems.BOOT, Systems.JK_BZ, Systems.BANNER, 2.9);
        Target t = Target.endToEnd().stream().filter(x -> x.goal().startsWith("boot → banner") && x.system().equals(Systems.JK_BZ))
                .findFirst().orElseThrow();
        assertThat(t.evaluate(m).met()).contains(false);
    }
}
