package dev.jkexec.machine.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.machine.firmware.BiosData;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * RAM above 4 GiB: the split QEMU's pc machine makes ({@code pc_piix.c}: 3 GiB below 4 GiB once
 * {@code -m} reaches 3.5 GiB), what the guest is told, and how addresses map onto the one file.
 */
@Pure
class MachineLayoutSplitTest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long FOUR_GIB = PcPlatform.FOUR_GIB;

    @Test
    void aSixteenGibGuestKeepsJkexecsRegionsBelow3GibAndTheRestFrom4Gib() {
        MachineLayout l = MachineLayout.defaults().withGuestRam(16 * GIB);
        long kept = 256 * MIB + 2 * MIB + 256 * MIB + MachineLayout.HYPERCALL_WINDOW_SIZE;
        assertThat(l.isSplit()).isTrue();
        assertThat(l.maxRamBelow4g()).isEqualTo(3 * GIB);
        assertThat(l.lowGuestRam()).isEqualTo(3 * GIB - kept);
        assertThat(l.crashBase()).isEqualTo(l.lowGuestRam());
        assertThat(l.hypercallWindow() + MachineLayout.HYPERCALL_WINDOW_SIZE).isEqualTo(3 * GIB).isEqualTo(l.lowRamTop());
        assertThat(l.highGuestRam()).isEqualTo(16 * GIB - l.lowGuestRam());
        assertThat(l.totalRam()).as("-m: the file").isEqualTo(16 * GIB + kept);
        assertThat(l.ramEnd()).isEqualTo(FOUR_GIB + l.highGuestRam());
        assertThat(l.totalRam()).isEqualTo(l.lowRamTop() + l.highGuestRam());
        for (long boundary : new long[] {l.crashBase(), l.hiddenBase(), l.stagingBase(), l.hypercallWindow(), l.ramEnd()}) {
            assertThat(boundary % (2 * MIB)).as("2 MiB aligned: 0x%x", boundary).isZero();
        }
    }

    @Test
    void theSplitStartsWhereQemusDoes() {
        // QEMU splits when ram_size >= max_ram_below_4g (3.5 GiB by default): one 2 MiB below stays contiguous.
        long kept = 256 * MIB + 2 * MIB + 256 * MIB + MachineLayout.HYPERCALL_WINDOW_SIZE;
        MachineLayout below = MachineLayout.defaults().withGuestRam(MachineLayout.MAX_LOW_RAM - kept - 2 * MIB);
        MachineLayout at = MachineLayout.defaults().withGuestRam(MachineLayout.MAX_LOW_RAM - kept);
        assertThat(below.isSplit()).isFalse();
        assertThat(below.totalRam()).isEqualTo(MachineLayout.MAX_LOW_RAM - 2 * MIB);
        assertThat(below.maxRamBelow4g()).isZero();
        assertThat(at.isSplit()).isTrue();
        assertThat(at.totalRam()).isEqualTo(MachineLayout.MAX_LOW_RAM);
        assertThat(at.highGuestRam()).isEqualTo(MachineLayout.MAX_LOW_RAM - MachineLayout.SPLIT_LOW_RAM);
    }

    @ParameterizedTest
    @ValueSource(longs = {4L << 30, 6L << 30, 16L << 30, 64L << 30})
    void theE820HasTwoRamEntriesAndEverythingOfJkexecsBelow4GibReserved(long guestRam) {
        MachineLayout l = MachineLayout.defaults().withGuestRam(guestRam);
        var map = l.guestMemoryMap();
        assertThat(map.ranges()).containsExactly(
                new MemoryRange(0, MachineLayout.MAILBOX, E820Type.RAM),
                new MemoryRange(MachineLayout.MAILBOX, PcPlatform.LOW_RAM_END - MachineLayout.MAILBOX, E820Type.RESERVED),
                new MemoryRange(PcPlatform.BIOS_AREA_START, PcPlatform.ONE_MIB - PcPlatform.BIOS_AREA_START, E820Type.RESERVED),
                new MemoryRange(PcPlatform.ONE_MIB, l.crashBase() - PcPlatform.ONE_MIB, E820Type.RAM),
                new MemoryRange(l.crashBase(), 3 * GIB - l.crashBase(), E820Type.RESERVED),
                new MemoryRange(MachineLayout.ROM_BASE, MachineLayout.ROM_SIZE, E820Type.RESERVED),
                new MemoryRange(FOUR_GIB, l.highGuestRam(), E820Type.RAM));
        assertThat(map.total(E820Type.RAM)).isEqualTo(MachineLayout.MAILBOX + guestRam - PcPlatform.ONE_MIB);
        assertThat(map.find(3 * GIB)).as("the PCI hole is in no entry").isNull();
        assertThat(l.guestRamRanges().ranges()).containsExactly(
                new MemoryRange(0, PcPlatform.LOW_RAM_END, E820Type.RAM),
                new MemoryRange(PcPlatform.ONE_MIB, l.crashBase() - PcPlatform.ONE_MIB, E820Type.RAM),
                new MemoryRange(FOUR_GIB, l.highGuestRam(), E820Type.RAM));
        assertThat(l.kexecConfig().crashRegion().start() + l.crashSize()).as("crash region below 4 GiB")
                .isLessThanOrEqualTo(3 * GIB);
        assertThat(l.kexecConfig().loadable()).hasSize(3);
    }

    @Test
    void theBiosE820AnswersDecodeToTheSameMap() {
        MachineLayout l = MachineLayout.defaults().withGuestRam(16 * GIB);
        assertThat(BiosData.answers(l.guestMemoryMap()).e820()).isEqualTo(l.guestMemoryMap().ranges());
    }

    @Test
    void fileOffsetsAndAddressesTranslateBothWaysAndTheHoleIsRefused() {
        MachineLayout l = MachineLayout.defaults().withGuestRam(16 * GIB);
        assertThat(l.fileOffsetOf(0x1000)).isEqualTo(0x1000);
        assertThat(l.fileOffsetOf(3 * GIB - 1)).isEqualTo(3 * GIB - 1);
        assertThat(l.fileOffsetOf(FOUR_GIB)).isEqualTo(3 * GIB);
        assertThat(l.fileOffsetOf(l.ramEnd() - 1)).isEqualTo(l.totalRam() - 1);
        for (long offset : new long[] {0, 3 * GIB - 4096, 3 * GIB, 5 * GIB + 123, l.totalRam() - 1}) {
            assertThat(l.fileOffsetOf(l.physicalAddressOf(offset))).isEqualTo(offset);
        }
        assertThatThrownBy(() -> l.fileOffsetOf(3 * GIB)).hasMessageContaining("guest-physical 0xc0000000 is not RAM")
                .hasMessageContaining("0x100000000-0x" + Long.toHexString(l.ramEnd()));
        assertThatThrownBy(() -> l.fileOffsetOf(FOUR_GIB - 1)).hasMessageContaining("is not RAM");
        assertThatThrownBy(() -> l.fileOffsetOf(l.ramEnd())).hasMessageContaining("is not RAM");
        assertThatThrownBy(() -> l.physicalAddressOf(l.totalRam())).hasMessageContaining("outside");
    }

    @Test
    void thePhysicalMemoryOfASplitLayoutIsTheFileAroundTheHole() throws Exception {
        MachineLayout l = MachineLayout.defaults().withGuestRam(6 * GIB);
        java.nio.file.Path f = java.nio.file.Files.createTempFile("jkexec-split", ".ram");
        try (Arena arena = Arena.ofConfined(); var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(l.totalRam()); // sparse: nothing below is read but the pages written
            MemorySegment file = raf.getChannel().map(java.nio.channels.FileChannel.MapMode.READ_WRITE, 0, l.totalRam(), arena);
            PhysicalMemory m = l.physicalMemory(file);
            long high = FOUR_GIB + 5 * MIB + 8;
            m.writeLong(high, 0xFEEDFACE_CAFEF00DL);
            m.writeLong(l.crashBase(), 0x0123456789ABCDEFL);
            assertThat(file.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, l.fileOffsetOf(high))).isEqualTo(0xFEEDFACE_CAFEF00DL);
            assertThat(file.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, l.crashBase())).isEqualTo(0x0123456789ABCDEFL);
            assertThat(m.readLong(high)).isEqualTo(0xFEEDFACE_CAFEF00DL);
            assertThat(m.end()).isEqualTo(l.ramEnd());
            assertThat(m.contains(3 * GIB, 8)).isFalse();
            assertThat(m.contains(l.ramEnd() - 8, 8)).isTrue();
            assertThatThrownBy(() -> m.readLong(3 * GIB + 64 * MIB)).isInstanceOf(PhysicalMemory.OutOfRangeException.class);
            assertThatThrownBy(() -> l.physicalMemory(file.asSlice(0, 4096))).hasMessageContaining("is not this layout's");
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void aLowOnlyLayoutIsUnchanged() {
        MachineLayout l = MachineLayout.defaults();
        assertThat(l.isSplit()).isFalse();
        assertThat(l.crashBase()).isEqualTo(l.guestRam());
        assertThat(l.lowRamTop()).isEqualTo(l.totalRam()).isEqualTo(l.ramEnd());
        assertThat(l.highGuestRam()).isZero();
        assertThat(l.guestRamRanges().ranges()).hasSize(2);
        assertThat(List.of(l.fileOffsetOf(l.totalRam() - 1))).containsExactly(l.totalRam() - 1);
        assertThatThrownBy(() -> l.fileOffsetOf(FOUR_GIB)).hasMessageContaining("is not RAM");
    }
}
