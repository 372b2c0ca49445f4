package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.SegmentDescriptor;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Machine test (QEMU, TCG): the Debian vmlinux executed while the same vmlinux runs at its link
 * address, 16 MiB. The toolstack places the second one clear of the running image (a 2 MiB-aligned
 * block above it), and that kernel boots there: its own reservation of its image (from
 * {@code __pa_symbol(_text)}, in {@code memblock=debug}'s dump of the reserved ranges) starts at the
 * new address, and it reaches init.
 */
@NeedsQemu
class ExecClearOfRunningKernelTest {
    private static final long LINK_ADDRESS = 0x1000000;
    private static Path vmlinux;

    @BeforeAll
    static void extract() throws IOException {
        BzImage bz = BzImage.parse(MemorySegment.ofArray(Files.readAllBytes(cloud())));
        vmlinux = Files.createTempFile("jkexec-clear-vmlinux", ".elf");
        Files.write(vmlinux, bz.decompress());
    }

    @AfterAll
    static void clean() throws IOException {
        Files.deleteIfExists(vmlinux);
    }

    @Test
    void aVmlinuxExecutedOverTheRunningOneBootsClearOfIt() {
        try (Machine m = Machine.start(MachineOptions.builder().layout(small(1)).dumpDirectory(tempDir()).build())) {
            long from = m.console().mark();
            HandoverPlan first = m.boot(new KernelSpec(vmlinux, null, true, CONSOLE + " jkexec.gen=1", 64, ImageType.DEFAULT));
            List<SegmentDescriptor> running = kernelSegments(first);
            assertThat(running.getFirst().dest()).isEqualTo(LINK_ADDRESS);
            awaitReady(m, "1", from);

            m.load(new KernelSpec(vmlinux, null, true, CONSOLE + " memblock=debug jkexec.gen=2", 64, ImageType.DEFAULT));
            long mark = m.console().mark();
            HandoverPlan next = m.exec();
            List<SegmentDescriptor> placed = kernelSegments(next);
            long base = placed.getFirst().dest();
            assertThat(base).isGreaterThan(LINK_ADDRESS);
            assertThat(base % (2L << 20)).as("2 MiB aligned").isZero();
            long runningEnd = running.getLast().dest() + running.getLast().destSize();
            assertThat(base).as("clear of the running kernel").isGreaterThanOrEqualTo(runningEnd);
            // the same layout, moved by one delta (the image's entry is the purgatory's; the kernel's is checked by its boot)
            for (int i = 0; i < placed.size(); i++) {
                assertThat(placed.get(i).dest() - running.get(i).dest()).isEqualTo(base - LINK_ADDRESS);
            }

            // memblock=debug's dump of the reserved ranges: the kernel reserved its image (from __pa_symbol(_text)) there
            String reserve = String.format(".*reserved\\[0x[0-9a-f]+\\]\\s+\\[0x0*%x-.*", base);
            assertThat(m.console().awaitLine(Pattern.compile(reserve), BOOT, mark).text())
                    .as("the new kernel reserves its image where it was placed").isNotEmpty();
            awaitReady(m, "2", mark);
        }
    }

    private static List<SegmentDescriptor> kernelSegments(HandoverPlan plan) {
        return plan.segments().stream().filter(s -> s.what().startsWith("kernel")).toList();
    }
}
