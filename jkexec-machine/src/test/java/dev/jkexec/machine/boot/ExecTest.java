package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.firmware.HandoverBlock;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.qemu.qmp.RunState;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU, TCG): exec while a guest runs. A→B→A→B in one machine, alternating the
 * two Debian kernels, each handover a full reset with the firmware relocating the next kernel over
 * the previous one's memory (the stale-translated-code hazard of qemu-machine-notes.md).
 */
@NeedsQemu
class ExecTest {
    @Test
    void alternatesKernelsInOneMachine() {
        try (Machine m = start(small(1), tempDir())) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1"));
            awaitReady(m, "1", from);
            String[] kernels = {"generic", "cloud", "generic"};
            for (int gen = 2; gen <= 4; gen++) {
                boolean generic = kernels[gen - 2].equals("generic");
                m.load(KernelSpec.busybox(generic ? generic() : cloud(), CONSOLE + " jkexec.gen=" + gen));
                long mark = m.console().mark();
                HandoverPlan plan = m.exec();
                assertThat(plan.relocates()).isTrue();
                awaitReady(m, String.valueOf(gen), mark);
                assertThat(m.console().lines().subList((int) mark, m.console().lines().size()))
                        .anyMatch(l -> l.text().contains(generic ? "6.1.0-56-amd64" : "6.1.0-56-cloud-amd64"));
            }
            assertThat(HandoverBlock.runs(m.memory(), m.layout())).isEqualTo(4);
        }
    }

    @Test
    void execWithNothingLoadedFailsAndTheGuestKeepsRunning() {
        try (Machine m = start(small(1), tempDir())) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1"));
            awaitReady(m, "1", from);
            m.unload(ImageType.DEFAULT);
            assertThatThrownBy(m::exec).isInstanceOfSatisfying(KexecException.class,
                    e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
            assertThat(m.qemu().status().state()).isEqualTo(RunState.RUNNING);
            long mark = m.console().mark();
            m.console().send("echo still-$((40+2))\n".getBytes());
            m.console().awaitLine(java.util.regex.Pattern.compile("still-42"), BOOT, mark);
        }
    }
}
