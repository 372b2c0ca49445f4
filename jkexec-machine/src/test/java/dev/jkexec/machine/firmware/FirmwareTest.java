package dev.jkexec.machine.firmware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.handover.IdentityMap;
import dev.jkexec.image.Arch;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.x86.BootGdt;
import dev.jkexec.platform.x86.SegmentDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ROM image and the handover block, decoded. Booting with them is tested by the machine tests. */
@Pure
class FirmwareTest {
    private static final MachineLayout LAYOUT = new MachineLayout(64L << 20, 16L << 20, 8L << 20, 1);

    @Test
    void romIsSixtyFourKibWithANearJumpAtTheResetVector() {
        byte[] rom = Firmware.build(LAYOUT);
        assertThat(rom).hasSize((int) MachineLayout.ROM_SIZE);
        int reset = (int) (PcPlatform.RESET_VECTOR - MachineLayout.ROM_BASE);
        assertThat(rom[reset] & 0xFF).isEqualTo(0xE9);
        int target = (reset + 3 + ByteBuffer.wrap(rom, reset + 1, 2).order(ByteOrder.LITTLE_ENDIAN).getShort()) & 0xFFFF;
        assertThat(rom[target] & 0xFF).isEqualTo(0xFA); // cli: the 16-bit start
        // The ROM's GDT comes first: null, 32-bit code, 64-bit code, data.
        ByteBuffer b = ByteBuffer.wrap(rom).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getLong(8)).isEqualTo(SegmentDescriptor.CODE32.encode());
        assertThat(b.getLong(16)).isEqualTo(SegmentDescriptor.CODE64.encode());
        assertThat(b.getLong(24)).isEqualTo(SegmentDescriptor.DATA.encode());
    }

    @Test
    void romEmbedsTheLayoutsHandoverBlockAddress() {
        byte[] a = Firmware.build(LAYOUT);
        byte[] b = Firmware.build(LAYOUT.withGuestRam(128L << 20));
        assertThat(a).isNotEqualTo(b);
        assertThat(Firmware.build(LAYOUT)).isEqualTo(a);
    }

    @Test
    void theGateIsOpenUnlessTheBlockHoldsTheEntryAndOnlyJkexecsVerdictChangesIt() {
        PhysicalMemory m = PhysicalMemory.ofHeap(LAYOUT.totalRam());
        long gate = LAYOUT.handoverBlock() + HandoverBlock.GATE_OFFSET;
        HandoverBlock.write(m, LAYOUT, new HandoverBlock.Contents(Arch.X86_64, 0x123000, 0, List.of()));
        assertThat(m.readLong(gate)).isEqualTo(HandoverBlock.GATE_OPEN);
        HandoverBlock.write(m, LAYOUT, new HandoverBlock.Contents(Arch.X86_64, 0x123000, 0, List.of(), List.of(), null, true));
        assertThat(m.readLong(gate)).isEqualTo(HandoverBlock.GATE_HELD);
        HandoverBlock.refuseGate(m, LAYOUT);
        assertThat(m.readLong(gate)).isEqualTo(HandoverBlock.GATE_REFUSED);
        HandoverBlock.openGate(m, LAYOUT);
        assertThat(m.readLong(gate)).isEqualTo(HandoverBlock.GATE_OPEN);
        assertThat(HandoverBlock.Status.name(HandoverBlock.Status.AT_GATE)).contains("gate");
        assertThat(HandoverBlock.Status.name(HandoverBlock.Status.REFUSED)).contains("refused");
    }

    @Test
    void handoverBlockDecodesToWhatWasWritten() {
        PhysicalMemory m = PhysicalMemory.ofHeap(LAYOUT.totalRam());
        HandoverBlock.write(m, LAYOUT, new HandoverBlock.Contents(Arch.I386, 0x123000, 0x4567000,
                List.of(new HandoverBlock.Range(0x200000, 0x1000))));
        long b = LAYOUT.handoverBlock();
        assertThat(HandoverBlock.pending(m, LAYOUT)).isTrue();
        assertThat(m.readLong(b + HandoverBlock.FLAGS_OFFSET)).isEqualTo(HandoverBlock.FLAG_ENTRY_32);
        assertThat(m.readLong(b + HandoverBlock.ENTRY_OFFSET)).isEqualTo(0x123000);
        assertThat(m.readLong(b + HandoverBlock.HEAD_OFFSET)).isEqualTo(0x4567000);
        assertThat(m.readLong(b + HandoverBlock.REFRESH_COUNT_OFFSET)).isEqualTo(1);
        assertThat(m.readLong(b + HandoverBlock.REFRESH_TABLE_OFFSET)).isEqualTo(0x200000);
        assertThat(m.readLong(b + HandoverBlock.REFRESH_TABLE_OFFSET + 8)).isEqualTo(0x1000);
        long cr3 = m.readLong(b + HandoverBlock.CR3_OFFSET);
        assertThat(cr3).isEqualTo(LAYOUT.pageTables());
        assertThat(IdentityMap.firstUnmapped(m, cr3, 0, LAYOUT.totalRam())).isEqualTo(-1);
        assertThat(IdentityMap.translate(m, cr3, PcPlatform.RESET_VECTOR)).isEqualTo(PcPlatform.RESET_VECTOR);
        assertThat(m.read(b + HandoverBlock.GDTR64_OFFSET, 2)).containsExactly(BootGdt.LIMIT, 0);
        assertThat(m.readLong(b + HandoverBlock.GDTR64_OFFSET + 2)).isEqualTo(LAYOUT.entryGdt64());
        assertThat(m.readLong(b + HandoverBlock.GDTR32_OFFSET + 2)).isEqualTo(LAYOUT.entryGdt32());
        assertThat(SegmentDescriptor.decode(m.readLong(LAYOUT.entryGdt64() + 0x10)).longMode()).isTrue();
        assertThat(SegmentDescriptor.decode(m.readLong(LAYOUT.entryGdt32() + 0x10)).defaultBig()).isTrue();
        assertThat(SegmentDescriptor.decode(m.readLong(LAYOUT.entryGdt32() + 0x18)).writableData()).isTrue();
    }

    @Test
    void handoverBlockKeepsTheRunCounter() {
        PhysicalMemory m = PhysicalMemory.ofHeap(LAYOUT.totalRam());
        m.writeLong(LAYOUT.handoverBlock() + HandoverBlock.RUNS_OFFSET, 7);
        HandoverBlock.write(m, LAYOUT, new HandoverBlock.Contents(Arch.X86_64, 0x1000, 0, List.of()));
        assertThat(HandoverBlock.runs(m, LAYOUT)).isEqualTo(7);
        assertThat(HandoverBlock.status(m, LAYOUT)).isZero();
    }
}
