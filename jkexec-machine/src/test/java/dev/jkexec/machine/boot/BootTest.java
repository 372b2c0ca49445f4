package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.firmware.HandoverBlock;
import dev.jkexec.platform.testing.NeedsQemu;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Machine tests: real Debian kernels booted by jkexec's handover under QEMU (needs
 * qemu-system-x86_64; TCG here). Each boot waits for the kernel banner and the guest's init marker.
 */
@NeedsQemu
class BootTest {
    @Test
    void cloudKernelBootsThroughTheSixtyFourBitEntry() {
        Path dumps = tempDir();
        try (Machine m = start(small(1), dumps)) {
            long from = m.console().mark();
            m.boot(new KernelSpec(cloud(), null, true, CONSOLE + " jkexec.gen=1", 64, ImageType.DEFAULT));
            awaitBanner(m, from);
            awaitReady(m, "1", from);
            assertThat(HandoverBlock.status(m.memory(), m.layout())).isEqualTo(HandoverBlock.Status.ENTERING_64);
            assertThat(HandoverBlock.runs(m.memory(), m.layout())).isEqualTo(1);
        }
    }
}
