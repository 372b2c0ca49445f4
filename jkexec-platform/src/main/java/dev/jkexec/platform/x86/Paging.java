package dev.jkexec.platform.x86;

/**
 * x86 paging: the page sizes and the bits of a page table entry (SDM vol. 3, 4.5, 4-level
 * paging). Every page-aligned address and size in jkexec is aligned to {@link #PAGE_SIZE}.
 */
public final class Paging {
    /** A 4 KiB page. */
    public static final long PAGE_SIZE = 4096;
    /** A 2 MiB large page (a page directory entry with {@link #LARGE}). */
    public static final long LARGE_PAGE_SIZE = 2L << 20;
    /** A 1 GiB page (a PDPT entry with {@link #LARGE}); the default TCG CPU has none. */
    public static final long HUGE_PAGE_SIZE = 1L << 30;
    /** The address part of a page-aligned value: {@code value & PAGE_MASK}. */
    public static final long PAGE_MASK = ~(PAGE_SIZE - 1);

    /** P: the entry maps something. */
    public static final long PRESENT = 0x1;
    /** R/W: writes allowed. */
    public static final long WRITABLE = 0x2;
    /** A: set by the CPU on access (preset, so the CPU never writes the tables). */
    public static final long ACCESSED = 0x20;
    /** D: set by the CPU on write (preset, likewise). */
    public static final long DIRTY = 0x40;
    /** PS: a leaf above the page table level (2 MiB in a PD, 1 GiB in a PDPT). */
    public static final long LARGE = 0x80;
    /** Physical address bits 51..12 of an entry. */
    public static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;

    private Paging() {
    }
}
