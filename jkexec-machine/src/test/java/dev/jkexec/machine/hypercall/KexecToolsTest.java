package dev.jkexec.machine.hypercall;

import static dev.jkexec.machine.hypercall.Dom0Fixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.core.kexec.SegmentDescriptor;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.Machine;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU, TCG): Debian 12's own kexec-tools 2.0.25, unmodified, with libxenctrl
 * 4.17, in a jkexec guest: its Xen path loads, queries and executes images through jkexec's
 * hypercall, and the image it built — its own purgatory included — is what the machine enters.
 */
class KexecToolsTest {
    @Test
    void loadsAndExecsThroughTheHypercall() {
        try (Machine m = boot(cloud(), layout(1))) {
            m.unload(ImageType.DEFAULT); // what the guest loads must be kexec-tools' image, nothing else
            Result load = run(m, "kexec -l /boot/vmlinuz --initrd=/boot/initrd --append=\"" + append("2") + "\"");
            assertThat(load.status()).as(load.output()).isZero();
            ImageInfo image = m.kexec().image(ImageType.DEFAULT).orElseThrow();
            assertThat(image.arch()).isEqualTo(Arch.X86_64);
            // kexec-tools' own segments: its zero-size filler over the low 1 MiB, kernel, initrd,
            // boot_params + command line, purgatory (and an RNG seed when the guest's CRNG is ready).
            assertThat(image.segments()).hasSizeBetween(5, 6);
            assertThat(image.segments()).filteredOn(s -> s.bufSize() == 14164480 || s.bufSize() > (10L << 20)).hasSize(2);
            // The entry is kexec-tools' purgatory (the last segment, highest below 2 GiB), not the kernel.
            SegmentDescriptor purgatory = image.segments().getLast();
            assertThat(image.entry()).isBetween(purgatory.dest(), purgatory.destEnd() - 1);
            assertThat(image.segments().get(0)).satisfies(s -> {
                assertThat(s.buffered()).isFalse();
                assertThat(s.dest()).isZero();
                assertThat(s.destSize()).isEqualTo(1L << 20);
            });
            // Through jkexec's hypercall, not the guest kernel's kexec_load.
            assertThat(run(m, "cat /sys/kernel/kexec_loaded").output()).contains("0");
            assertThat(run(m, "kexec -S -l").status()).isEqualTo(1);
            long mark = m.console().mark();
            m.console().send("kexec -e\n".getBytes());
            awaitReady(m, "2", mark);
        }
    }
}
