package dev.jkexec.machine.hypercall;

import static dev.jkexec.machine.hypercall.Dom0Fixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.core.kexec.SegmentDescriptor;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.Machine;
import dev.jkexec.platform.testing.NeedsQemu;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU, TCG): Debian 12's own kexec-tools 2.0.25, unmodified, with libxenctrl
 * 4.17, in a jkexec guest. Its Xen path loads, queries, unloads and executes images through
 * jkexec's hypercall, and the image it built — its own purgatory included — is what the machine
 * enters: on exec, and on a panic.
 */
@NeedsQemu
class KexecToolsTest {
    private static String load(String flag, String gen, String extra) {
        return "kexec " + flag + " /boot/vmlinuz --initrd=/boot/initrd --append=\"" + append(gen) + extra + "\"";
    }

    @Test
    void loadsAndExecsOnTheCloudKernel() {
        loadsAndExecs(cloud());
    }

    @Test
    void loadsAndExecsOnTheGenericKernel() {
        loadsAndExecs(generic());
    }

    private void loadsAndExecs(Path kernel) {
        try (Machine m = boot(kernel, layout(1))) {
            m.unload(ImageType.DEFAULT); // what the guest loads must be kexec-tools' image, nothing else
            Result load = run(m, load("-l", "2", ""));
            assertThat(load.status()).as(load.output()).isZero();
            ImageInfo image = m.kexec().image(ImageType.DEFAULT).orElseThrow();
            assertThat(image.arch()).isEqualTo(Arch.X86_64);
            // kexec-tools' own segments: its zero-size filler over the low 1 MiB, kernel, initrd,
            // boot_params + command line, purgatory (and an RNG seed when the guest's CRNG is ready).
            assertThat(image.segments()).hasSizeBetween(5, 6);
            assertThat(image.segments().getFirst()).satisfies(s -> {
                assertThat(s.buffered()).isFalse();
                assertThat(s.dest()).isZero();
                assertThat(s.destSize()).isEqualTo(1L << 20);
            });
            // The entry is kexec-tools' purgatory (its last segment, highest below 2 GiB), not the kernel.
            SegmentDescriptor purgatory = image.segments().getLast();
            assertThat(image.entry()).isBetween(purgatory.dest(), purgatory.destEnd() - 1);
            // Through jkexec's hypercall, not the guest kernel's kexec_load.
            assertThat(run(m, "cat /sys/kernel/kexec_loaded").output()).contains("0");
            assertThat(run(m, "kexec -S -l").status()).isEqualTo(1);
            long mark = m.console().mark();
            m.console().send("kexec -e\n".getBytes());
            awaitReady(m, "2", mark);
        }
    }

    @Test
    void crashImageOfKexecToolsReadsTheOldGuestThroughVmcoreOnTheCloudKernel() {
        crashesIntoKexecToolsImage(cloud());
    }

    @Test
    void crashImageOfKexecToolsReadsTheOldGuestThroughVmcoreOnTheGenericKernel() {
        crashesIntoKexecToolsImage(generic());
    }

    private void crashesIntoKexecToolsImage(Path kernel) {
        MachineLayout layout = layout(1);
        try (Machine m = boot(kernel, layout)) {
            Result load = run(m, load("-p", "crash", " irqpoll nr_cpus=1 reset_devices"));
            assertThat(load.status()).as(load.output()).isZero();
            ImageInfo image = m.kexec().image(ImageType.CRASH).orElseThrow();
            // Every buffered segment inside the crash region get_range reported: kernel, initrd,
            // elfcorehdr, backup of low memory, boot_params, purgatory.
            assertThat(image.segments()).filteredOn(SegmentDescriptor::buffered).allSatisfy(s ->
                    assertThat(s.dest()).isBetween(layout.crashBase(), layout.crashBase() + layout.crashSize() - 1));
            assertThat(run(m, "kexec -S -p").status()).isEqualTo(1);
            long mark = m.console().mark();
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            awaitReady(m, "crash", mark);
            // kexec-tools' own elfcorehdr, from jkexec's machine memory map: the guest's RAM outside the crash region.
            String pt = m.console().awaitLine(Pattern.compile("jkexec-guest: vmcore PT_LOAD (\\d+) ranges, (\\d+) bytes"), BOOT, mark).text();
            long bytes = Long.parseLong(pt.replaceAll(".* ranges, (\\d+) bytes.*", "$1"));
            assertThat(bytes).isBetween(layout.guestRam() - (2L << 20), layout.guestRam());
            // Its VMCOREINFO PT_NOTE is jkexec's page (get_range MA_VMCOREINFO), which the crash path
            // filled with the crashed kernel's note: CRASHTIME is jkexec's, the guest kernel never wrote one.
            // The notes follow the ELF headers at the start of /proc/vmcore.
            Result notes = run(m, "head -c 65536 /proc/vmcore | tr -c 'A-Za-z0-9=_.()\\n-' '\\n' | grep -E '^(OSRELEASE|CRASHTIME)='");
            assertThat(notes.status()).as(notes.output()).isZero();
            assertThat(notes.output()).contains("OSRELEASE=6.1.0-56").containsPattern("CRASHTIME=\\d+");
        }
    }

    @Test
    void unloadsAndReportsStatus() {
        try (Machine m = boot(cloud(), layout(1))) {
            assertThat(run(m, load("-l", "2", "")).status()).isZero();
            assertThat(run(m, load("-p", "crash", "")).status()).isZero();
            assertThat(run(m, "kexec -S -l").status()).isEqualTo(1);
            assertThat(run(m, "kexec -S -p").status()).isEqualTo(1);
            assertThat(run(m, "kexec -p -u").status()).isZero();
            assertThat(m.kexec().status(ImageType.CRASH)).isFalse();
            assertThat(m.kexec().status(ImageType.DEFAULT)).isTrue();
            assertThat(run(m, "kexec -S -p").status()).isZero();
            assertThat(run(m, "kexec -u").status()).isZero();
            assertThat(m.kexec().status(ImageType.DEFAULT)).isFalse();
            assertThat(run(m, "kexec -S -l").status()).isZero();
            // Under Xen kexec-tools does not check that something is loaded: jkexec's -ENOENT is what it reports.
            Result e = run(m, "kexec -e");
            assertThat(e.output()).contains("kexec failed: No such file or directory");
            assertThat(run(m, "echo still-$((40+2))").output()).contains("still-42");
        }
    }

    @Test
    void aRejectedLoadReachesKexecToolsAsXensErrnoAndKeepsTheImage() {
        // 96 MiB of staging: a default image's buffered segments may cover at most that much (-ENOMEM
        // beyond, where Xen's heap would run out). The kernel (init_size 64 MiB) with the guest's own
        // initrd fits; with a 48 MiB initrd it does not.
        MachineLayout layout = new MachineLayout(512L << 20, 192L << 20, 96L << 20, 1);
        try (Machine m = boot(generic(), layout)) {
            assertThat(run(m, load("-l", "2", "")).status()).isZero();
            ImageInfo before = m.kexec().image(ImageType.DEFAULT).orElseThrow();
            assertThat(run(m, "dd if=/dev/zero of=/tmp/big bs=1M count=48 2>/dev/null").status()).isZero();
            Result refused = run(m, "kexec -l /boot/vmlinuz --initrd=/tmp/big --append=\"" + append("3") + "\"");
            assertThat(refused.status()).isNotZero();
            assertThat(refused.output()).contains("Cannot allocate memory");
            assertThat(m.kexec().image(ImageType.DEFAULT).orElseThrow().sha256()).isEqualTo(before.sha256());
            assertThat(run(m, "kexec -S -l").status()).isEqualTo(1);
            long mark = m.console().mark();
            m.console().send("rm /tmp/big; kexec -e\n".getBytes());
            awaitReady(m, "2", mark);
        }
    }
}
