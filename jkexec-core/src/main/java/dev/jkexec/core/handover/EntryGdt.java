package dev.jkexec.core.handover;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.BootGdt;
import dev.jkexec.platform.x86.Paging;
import dev.jkexec.platform.x86.SegmentDescriptor;

/**
 * The two GDTs an image is entered with, written by jkexec into one page of its own hidden memory:
 * the 64-bit entry GDT at the start of the page, the 32-bit one at {@link #GDT32_OFFSET}.
 *
 * <p>Both have the {@link BootGdt} layout: the 64-bit GDT has 64-bit code at {@link BootGdt#CODE}
 * (and 32-bit code at {@link BootGdt#OTHER_CODE}); the 32-bit GDT has 32-bit code at
 * {@link BootGdt#CODE} and 64-bit code at {@link BootGdt#OTHER_CODE}, which the firmware runs on
 * while it leaves long mode.
 */
public final class EntryGdt {
    /** Where in the page the 32-bit entry GDT starts. */
    public static final long GDT32_OFFSET = 0x40;

    private EntryGdt() {
    }

    /** The 64-bit entry GDT's descriptors, by index. */
    public static long[] gdt64() {
        return BootGdt.entries(SegmentDescriptor.CODE64, SegmentDescriptor.CODE32);
    }

    /** The 32-bit entry GDT's descriptors, by index. */
    public static long[] gdt32() {
        return BootGdt.entries(SegmentDescriptor.CODE32, SegmentDescriptor.CODE64);
    }

    /** Writes both GDTs into the entry GDT page at {@code page} (page aligned); the rest of the page is zeroed. */
    public static void write(PhysicalMemory memory, long page) {
        if (page % Paging.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("entry GDT page 0x" + Long.toHexString(page) + " not page aligned");
        }
        memory.zero(page, Paging.PAGE_SIZE);
        long[] g64 = gdt64();
        long[] g32 = gdt32();
        for (int i = 0; i < BootGdt.ENTRIES; i++) {
            memory.writeLong(page + 8L * i, g64[i]);
            memory.writeLong(page + GDT32_OFFSET + 8L * i, g32[i]);
        }
    }
}
