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
import dev.jkexec.qemu.process.Accel;
import dev.jkexec.platform.x86.Paging;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Machine test (QEMU, TCG): exec of a vmlinux over the same vmlinux running, so that every page the
 * firmware's walk writes at the kernel's link address holds code TCG has translated. The firmware
 * first overwrites the destinations through fw_cfg DMA (QEMU drops their translations), then walks:
 * the next kernel must still boot, and the handover block must show that the DMA ran over exactly
 * the pages the walk wrote, with no request failed; and without fw_cfg DMA, that the firmware
 * records the failed request and boots the kernel all the same (the walk alone is correct). These
 * two run without the translation flush. With it (the default under TCG), QEMU empties its whole
 * translation cache at the exec and the DMA step is skipped; when the flush's gdbstub is gone, the
 * exec falls back to the DMA step.
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
        try (Machine m = start(List.of(), false)) {
            HandoverPlan plan = execOverItself(m, () -> { });
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
        try (Machine m = start(List.of("-global", "fw_cfg_io.dma_enabled=off"), false)) {
            execOverItself(m, () -> { });
            // the directory's request, left as written: nobody answered at the DMA address register
            assertThat(HandoverBlock.dmaError(m.memory(), m.layout())).isEqualTo(0x19 << 16 | 0x0A);
            assertThat(HandoverBlock.dmaBytes(m.memory(), m.layout())).isZero();
        }
    }

    @Test
    void withTheTranslationCacheFlushedTheDmaStepIsSkippedAndTheKernelBoots() {
        try (Machine m = start(List.of(), true)) {
            long[] flushesBefore = {-1};
            execOverItself(m, () -> flushesBefore[0] = tbFlushCount(m));
            assertThat(m.qemu().translationFlushFailure()).isEmpty();
            assertThat(m.qemu().canFlushTranslations()).isTrue();
            // QEMU emptied its whole cache once more, and the firmware was told to skip the DMA
            assertThat(tbFlushCount(m)).isGreaterThan(flushesBefore[0]);
            assertThat(HandoverBlock.dmaOverwrite(m.memory(), m.layout())).isFalse();
            assertThat(HandoverBlock.dmaBytes(m.memory(), m.layout())).isZero();
            assertThat(HandoverBlock.dmaError(m.memory(), m.layout())).isZero();
        }
    }

    @Test
    void whenTheFlushingGdbstubIsGoneTheExecFallsBackToTheDmaStep() {
        try (Machine m = start(List.of(), true)) {
            // HMP's "gdbserver none" removes QEMU's gdbstub chardev: jkexec's connection closes
            HandoverPlan plan = execOverItself(m, () -> m.qemu().qmp().humanMonitorCommand("gdbserver none"));
            assertThat(m.qemu().translationFlushFailure()).hasValueSatisfying(f -> assertThat(f).startsWith("gdbstub"));
            assertThat(m.qemu().canFlushTranslations()).isFalse();
            long pagesWritten = plan.pageList().sourcePages() + plan.pageList().zeroPages();
            assertThat(HandoverBlock.dmaOverwrite(m.memory(), m.layout())).isTrue();
            assertThat(HandoverBlock.dmaBytes(m.memory(), m.layout())).isEqualTo(pagesWritten * Paging.PAGE_SIZE);
        }
    }

    /** QEMU's count of whole-cache flushes, from HMP {@code info jit}. */
    private static long tbFlushCount(Machine m) {
        Matcher c = Pattern.compile("TB flush count\\s+(\\d+)").matcher(m.qemu().qmp().humanMonitorCommand("info jit"));
        assertThat(c.find()).isTrue();
        return Long.parseLong(c.group(1));
    }

    private static Machine start(List<String> qemuArgs, boolean translationFlush) {
        return Machine.start(MachineOptions.builder().layout(small(1)).dumpDirectory(tempDir())
                .hardware(h -> h.accel(Optional.of(Accel.TCG)).extraArgs(qemuArgs).translationFlush(translationFlush)).build());
    }

    /** Boots the vmlinux, execs it again over itself (running {@code beforeExec} first), and waits for the second one's init. */
    private static HandoverPlan execOverItself(Machine m, Runnable beforeExec) {
        long from = m.console().mark();
        m.boot(new KernelSpec(vmlinux, null, true, CONSOLE + " jkexec.gen=1", 64, ImageType.DEFAULT));
        awaitReady(m, "1", from);
        m.load(new KernelSpec(vmlinux, null, true, CONSOLE + " jkexec.gen=2", 64, ImageType.DEFAULT));
        beforeExec.run();
        long mark = m.console().mark();
        HandoverPlan plan = m.exec();
        assertThat(plan.relocates()).isTrue();
        assertThat(plan.segments()).anyMatch(s -> s.dest() == LINK_ADDRESS);
        awaitBanner(m, mark);
        awaitReady(m, "2", mark);
        return plan;
    }
}
