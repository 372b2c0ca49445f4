package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.machine.MachineOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU): bad input and faults at the machine level each give one clear error,
 * leave the machine as it was, and leave no QEMU and no file behind.
 */
@NeedsQemu
class MachineFaultsTest {
    private static final MachineLayout TINY = new MachineLayout(64L << 20, 32L << 20, 64L << 20, 1);

    @Test
    void ramSmallerThanTheKernelsInitSizeIsRefusedByName() {
        try (Machine m = start(TINY, tempDir())) {
            assertThatThrownBy(() -> m.load(KernelSpec.busybox(generic(), CONSOLE)))
                    .isInstanceOf(JkexecException.class).hasMessageContaining("kernel")
                    .hasMessageContaining("0x3f98000");
            assertThat(m.kexec().status(ImageType.DEFAULT)).isFalse();
        }
    }

    @Test
    void initrdLargerThanRamIsRefused() throws IOException {
        Path big = Files.createTempFile("jkexec-big", ".img");
        try (Machine m = start(new MachineLayout(128L << 20, 32L << 20, 64L << 20, 1), tempDir())) {
            Files.write(big, new byte[136 << 20]);
            assertThatThrownBy(() -> m.load(new KernelSpec(cloud(), big, false, CONSOLE, 64, ImageType.DEFAULT)))
                    .isInstanceOf(JkexecException.class).hasMessageContaining("initrd");
        } finally {
            Files.delete(big);
        }
    }

    @Test
    void segmentsOverJkexecsRegionsOrTheLegacyWindowAreRefused() {
        try (Machine m = start(TINY, tempDir())) {
            MemorySegment page = MemorySegment.ofArray(new byte[4096]);
            for (long dest : new long[] {0xA0000, 0xF0000, TINY.crashBase(), TINY.hiddenBase(), TINY.stagingBase()}) {
                KexecImage image = new KexecImage(ImageType.DEFAULT, Arch.X86_64, 0x200000,
                        List.of(new KexecSegment(page, dest, 4096, "probe")), null);
                assertThatThrownBy(() -> m.load(image)).isInstanceOfSatisfying(KexecException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EADDRNOTAVAIL);
                    assertThat(e.getMessage()).contains("segments[0].dest_maddr").contains(Long.toHexString(dest));
                });
            }
            assertThat(m.kexec().status(ImageType.DEFAULT)).isFalse();
        }
    }

    @Test
    void qemuKilledFromOutsideFailsTheNextOperationWithItsStatus() {
        Path dumps = tempDir();
        Machine m = start(small(1), dumps);
        try {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1"));
            awaitReady(m, "1", from);
            m.load(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=2"));
            ProcessHandle.of(m.qemu().pid()).orElseThrow().destroyForcibly();
            m.qemu().onExit().join();
            assertThatThrownBy(m::exec).isInstanceOf(MachineException.class).hasMessageContaining("killed by SIGKILL");
        } finally {
            m.close();
        }
        assertThat(ProcessHandle.current().descendants().filter(p -> p.info().command().orElse("").contains("qemu")))
                .isEmpty();
        assertThat(m.qemu().workDirectory()).doesNotExist();
    }

    @Test
    void missingQemuIsOneClearError() {
        MachineOptions o = MachineOptions.builder().layout(TINY)
                .hardware(h -> h.qemuBinary(Path.of("/nonexistent/qemu-system-x86_64"))).build();
        assertThatThrownBy(() -> Machine.start(o)).isInstanceOf(MachineException.class)
                .hasMessageContaining("not found").hasMessageContaining("qemu-system-x86");
    }
}
