package dev.jkexec.core.kexec;

import dev.jkexec.platform.x86.Paging;

/**
 * Xen's page list ("indirection list") encoding, spec §2.4 and §4.2: each entry is a 64-bit
 * little-endian word, a page-aligned physical address OR one flag. The firmware's relocation walk
 * reads exactly this encoding, so it must never change.
 *
 * <pre>
 *   IND_DESTINATION 0x01  dest = entry &amp; PAGE_MASK
 *   IND_INDIRECTION 0x02  continue reading at entry &amp; PAGE_MASK
 *   IND_DONE        0x04  end of list (the entry is exactly 0x4)
 *   IND_SOURCE      0x08  copy 4096 bytes from entry &amp; PAGE_MASK to dest; dest += 4096
 *   IND_ZERO        0x10  (Xen only) zero 4096 bytes at dest; dest += 4096
 * </pre>
 *
 * A list page has 512 slots; slot 511 is kept for the {@code IND_INDIRECTION} link to the next
 * page, so each page carries 511 data entries ({@code IND_DONE} may land in slot 511, as in Xen).
 */
public final class PageListEntry {
    public static final long IND_DESTINATION = 0x1;
    public static final long IND_INDIRECTION = 0x2;
    public static final long IND_DONE = 0x4;
    public static final long IND_SOURCE = 0x8;
    public static final long IND_ZERO = 0x10;

    /** {@code PAGE_MASK}: the address part of an entry. */
    public static final long PAGE_MASK = Paging.PAGE_MASK;
    /** Slots (8 bytes each) in one list page. */
    public static final int SLOTS_PER_PAGE = 512;
    /** The slot that holds the link to the next list page. */
    public static final int LINK_SLOT = 511;
    /** Data entries per list page. */
    public static final int DATA_SLOTS = 511;
    /** Bytes per entry. */
    public static final int ENTRY_SIZE = 8;

    private PageListEntry() {
    }

    public static long destination(long address) {
        return address | IND_DESTINATION;
    }

    public static long indirection(long address) {
        return address | IND_INDIRECTION;
    }

    public static long source(long address) {
        return address | IND_SOURCE;
    }

    /** A readable form: {@code "SOURCE 0x1000"}, {@code "DONE"}, {@code "0x3 (?)"}. */
    public static String describe(long entry) {
        long addr = entry & PAGE_MASK;
        long flags = entry & ~PAGE_MASK;
        if (flags == IND_DESTINATION) {
            return "DESTINATION 0x" + Long.toHexString(addr);
        } else if (flags == IND_INDIRECTION) {
            return "INDIRECTION 0x" + Long.toHexString(addr);
        } else if (flags == IND_SOURCE) {
            return "SOURCE 0x" + Long.toHexString(addr);
        } else if (entry == IND_DONE) {
            return "DONE";
        } else if (entry == IND_ZERO) {
            return "ZERO";
        }
        return "0x" + Long.toHexString(entry) + " (?)";
    }
}
