package dev.jkexec.core.handover;

import dev.jkexec.core.MachineLayout;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.SegmentDescriptor;

/**
 * The two GDTs an image is entered with, written by jkexec into its own hidden page
 * ({@link MachineLayout#entryGdt64()}, {@link MachineLayout#entryGdt32()}).
 *
 * <p>Both follow the Linux boot protocol's selectors: {@code 0x10} code and {@code 0x18} flat data
 * (x86-boot-and-kexec.md §3.2, §3.3). The 64-bit GDT has 64-bit code at 0x10 (and 32-bit code at
 * 0x08); the 32-bit GDT has 32-bit code at 0x10 and 64-bit code at 0x08, which the firmware runs on
 * while it leaves long mode. Each table is 4 entries; GDTR limit 31.
 */
public final class EntryGdt {
    public static final int CODE_SELECTOR = 0x10;
    public static final int DATA_SELECTOR = 0x18;
    public static final int ENTRIES = 4;
    public static final int LIMIT = ENTRIES * 8 - 1;

    private EntryGdt() {
    }

    /** The 64-bit entry GDT's descriptors, by index. */
    public static long[] gdt64() {
        return new long[] {0, SegmentDescriptor.CODE32.encode(), SegmentDescriptor.CODE64.encode(), SegmentDescriptor.DATA.encode()};
    }

    /** The 32-bit entry GDT's descriptors, by index. */
    public static long[] gdt32() {
        return new long[] {0, SegmentDescriptor.CODE64.encode(), SegmentDescriptor.CODE32.encode(), SegmentDescriptor.DATA.encode()};
    }

    /** Writes both GDTs into the machine's entry GDT page. */
    public static void write(PhysicalMemory memory, MachineLayout layout) {
        memory.zero(layout.entryGdt64(), MachineLayout.PAGE_SIZE);
        long[] g64 = gdt64();
        long[] g32 = gdt32();
        for (int i = 0; i < ENTRIES; i++) {
            memory.writeLong(layout.entryGdt64() + 8L * i, g64[i]);
            memory.writeLong(layout.entryGdt32() + 8L * i, g32[i]);
        }
    }
}
