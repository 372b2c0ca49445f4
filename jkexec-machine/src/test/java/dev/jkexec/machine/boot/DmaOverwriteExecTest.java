package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.firmware.HandoverBlock;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.platform.x86.Paging;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Machine test (QEMU, TCG): exec of a vmlinux over the same vmlinux running, so that every page the
 * firmware's walk writes at the kernel's link address holds code TCG has translated. The firmware
 * first overwrites the destinations through fw_cfg DMA (QEMU drops their translations), then walks:
 * the next kernel must still boot, and the handover block must show that the DMA ran over exactly
 * the pages the walk wrote, with no request failed; and without fw_cfg DMA, that the firmware
 * records the failed request and boots the kernel all the same (the walk alone is correct).
 */
@NeedsQemu
class DmaOverwriteExecTest {
    /** A vmlinux's first load segment starts at its link address, where the running one executes. */
    private static final long LINK_ADDRESS = 0x1000000;
    private static Path vmlinux;

    @BeforeAll
    static void extract() throws IOException {
        BzImage bz = BzImage.parse(MemorySegment.ofArray(Files.readAllBytes(cloud())));
        vmlinux = Files.createTempFile("jkexec-dma-vmlinux", ".elf");
        Files.write(vmlinux, bz.decompress());
    }

    @AfterAll
    static void clean() throws IOException {
        Files.deleteIfExists(vmlinux);
    }

    @Test
    void aVmlinuxExecutedOverItselfBootsAfterTheDmaOverwrite() {
        try (Machine m = start(List.of())) {
            HandoverPlan plan = execOverItself(m);
            assertThat(HandoverBlock.dmaError(m.memory(), m.layout())).isZero();
            long pagesWritten = plan.pageList().sourcePages() + plan.pageList().zeroPages();
            assertThat(HandoverBlock.dmaBytes(m.memory(), m.layout())).isEqualTo(pagesWritten * Paging.PAGE_SIZE);
            // The requests read an item of QEMU's (its bytes go in one write), not the zero fill of no item.
            long control = HandoverBlock.dmaControl(m.memory(), m.layout());
            assertThat(control & 0xFFFF).isEqualTo(0x0A); // select, read
            assertThat(control >>> 16).isNotEqualTo(0x3FFF);
        }
    }

    @Test
    void withoutFwCfgDmaTheFirmwareRecordsTheFailureAndTheWalkStillBoots() {
        try (Machine m = start(List.of("-global", "fw_cfg_io.dma_enabled=off"))) {
            execOverItself(m);
            // the directory's request, left as written: nobody answered at the DMA address register
            assertThat(HandoverBlock.dmaError(m.memory(), m.layout())).isEqualTo(0x19 << 16 | 0x0A);
            assertThat(HandoverBlock.dmaBytes(m.memory(), m.layout())).isZero();
        }
    }

    private static Machine start(List<String> qemuArgs) {
        return Machine.start(MachineOptions.builder().layout(small(1)).dumpDirectory(tempDir())
                .hardware(h -> h.extraArgs(qemuArgs)).build());
    }

    /** Boots the vmlinux, execs it again over itself, and waits for the second one's init. */
    private static HandoverPlan execOverItself(Machine m) {
        long from = m.console().mark();
        m.boot(new KernelSpec(vmlinux, null, true, CONSOLE + " jkexec.gen=1", 64, ImageType.DEFAULT));
        awaitReady(m, "1", from);
        m.load(new KernelSpec(vmlinux, null, true, CONSOLE + " jkexec.gen=2", 64, ImageType.DEFAULT));
        long mark = m.console().mark();
        HandoverPlan plan = m.exec();
        assertThat(plan.relocates()).isTrue();
        assertThat(plan.segments()).anyMatch(s -> s.dest() == LINK_ADDRESS);
        awaitBanner(m, mark);
        awaitReady(m, "2", mark);
        return plan;
    }
}
