package dev.jkexec.core.handover;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.Paging;
import dev.jkexec.platform.x86.SegmentDescriptor;

/**
 * The two GDTs an image is entered with, written by jkexec into one page of its own hidden memory:
 * the 64-bit entry GDT at the start of the page, the 32-bit one at {@link #GDT32_OFFSET}.
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
    /** Where in the page the 32-bit entry GDT starts. */
    public static final long GDT32_OFFSET = 0x40;

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

    /** Writes both GDTs into the entry GDT page at {@code page} (page aligned); the rest of the page is zeroed. */
    public static void write(PhysicalMemory memory, long page) {
        if (page % Paging.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("entry GDT page 0x" + Long.toHexString(page) + " not page aligned");
        }
        memory.zero(page, Paging.PAGE_SIZE);
        long[] g64 = gdt64();
        long[] g32 = gdt32();
        for (int i = 0; i < ENTRIES; i++) {
            memory.writeLong(page + 8L * i, g64[i]);
            memory.writeLong(page + GDT32_OFFSET + 8L * i, g32[i]);
        }
    }
}
