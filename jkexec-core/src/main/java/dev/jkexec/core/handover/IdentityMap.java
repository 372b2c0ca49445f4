package dev.jkexec.core.handover;

import static dev.jkexec.platform.x86.Paging.ACCESSED;
import static dev.jkexec.platform.x86.Paging.ADDRESS_MASK;
import static dev.jkexec.platform.x86.Paging.DIRTY;
import static dev.jkexec.platform.x86.Paging.LARGE;
import static dev.jkexec.platform.x86.Paging.PRESENT;
import static dev.jkexec.platform.x86.Paging.WRITABLE;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.Paging;

/**
 * Identity page tables (virtual = physical) for 4-level long mode, and a walker that reads any
 * 4-level tables back.
 *
 * <p>{@link #write} maps {@code [0, limit)} with 2 MiB pages (the default TCG CPU has no 1 GiB
 * pages): one PML4 page, one PDPT page and one page directory per GiB, laid out consecutively
 * from {@code base}. Entries use Present|Writable|Accessed|Dirty (0x63, Xen's flags) and leaves add
 * PS (0x80); nothing is User, Global or NX. The tables cover every RAM range a handover can touch
 * (guest RAM, the crash region, jkexec's own pages and staging) and the firmware ROM below 4 GiB,
 * which is why {@code limit} is at least 4 GiB.
 *
 * <p>{@link #translate} walks tables as the CPU does (4 KiB, 2 MiB and 1 GiB leaves) and is what
 * the handover contract checker uses to prove coverage on the real CPU's CR3.
 */
public final class IdentityMap {
    /** Flags of every table entry jkexec writes (Xen's). */
    public static final long TABLE_FLAGS = PRESENT | WRITABLE | ACCESSED | DIRTY;
    private static final long GIB = Paging.HUGE_PAGE_SIZE;
    private static final long PAGE = Paging.PAGE_SIZE;
    private static final long LARGE_PAGE = Paging.LARGE_PAGE_SIZE;

    private IdentityMap() {
    }

    /** Bytes of tables {@link #write} needs to map {@code [0, limit)}. */
    public static long tableBytes(long limit) {
        return (2 + pageDirectories(limit)) * PAGE;
    }

    private static long pageDirectories(long limit) {
        if (limit <= 0 || limit > 512 * GIB) {
            throw new IllegalArgumentException("identity map limit 0x" + Long.toHexString(limit) + " outside (0, 512 GiB]");
        }
        return (limit + GIB - 1) / GIB;
    }

    /**
     * Writes tables mapping {@code [0, limit rounded up to 1 GiB)} at {@code base} (page aligned).
     *
     * @return the CR3 value: the PML4's physical address
     */
    public static long write(PhysicalMemory memory, long base, long limit) {
        if (base % PAGE != 0) {
            throw new IllegalArgumentException("page tables at 0x" + Long.toHexString(base) + " not page aligned");
        }
        long directories = pageDirectories(limit);
        long pml4 = base;
        long pdpt = base + PAGE;
        long firstPd = base + 2 * PAGE;
        memory.zero(base, tableBytes(limit));
        memory.writeLong(pml4, pdpt | TABLE_FLAGS);
        for (long g = 0; g < directories; g++) {
            long pd = firstPd + g * PAGE;
            memory.writeLong(pdpt + 8 * g, pd | TABLE_FLAGS);
            long[] entries = new long[512];
            for (int i = 0; i < 512; i++) {
                entries[i] = (g * GIB + ((long) i << 21)) | TABLE_FLAGS | LARGE;
            }
            memory.write(pd, java.lang.foreign.MemorySegment.ofArray(entries));
        }
        return pml4;
    }

    /**
     * Copies the tables at {@code cr3} (as {@link #write} laid them out for {@code limit}) to
     * {@code base} and removes the 4 KiB pages of {@code [start, start + length)} from the copy,
     * splitting the 2 MiB pages involved into page tables placed after the copy. For deliberately
     * broken handovers only: the contract checker must see the hole.
     *
     * @return the copy's CR3
     */
    public static long copyWithHole(PhysicalMemory memory, long cr3, long limit, long base, long start, long length) {
        long bytes = tableBytes(limit);
        memory.write(base, memory.slice(cr3, bytes));
        long pdpt = base + PAGE;
        memory.writeLong(base, pdpt | TABLE_FLAGS);
        long directories = pageDirectories(limit);
        for (long g = 0; g < directories; g++) {
            memory.writeLong(pdpt + 8 * g, (base + (2 + g) * PAGE) | TABLE_FLAGS);
        }
        long nextTable = base + bytes;
        long firstLarge = start & ~(LARGE_PAGE - 1);
        for (long large = firstLarge; large < start + length; large += LARGE_PAGE) {
            long pde = base + 2 * PAGE + (large >>> 30) * PAGE + 8 * (large >>> 21 & 0x1FF);
            long[] entries = new long[512];
            for (int i = 0; i < 512; i++) {
                long page = large + (long) i * PAGE;
                boolean hole = page + PAGE > start && page < start + length;
                entries[i] = hole ? 0 : page | TABLE_FLAGS;
            }
            memory.write(nextTable, java.lang.foreign.MemorySegment.ofArray(entries));
            memory.writeLong(pde, nextTable | TABLE_FLAGS);
            nextTable += PAGE;
        }
        return base;
    }

    /**
     * Translates a virtual address through the 4-level tables at {@code cr3}.
     *
     * @return the physical address, or -1 when some level is not present or a table lies outside memory
     */
    public static long translate(PhysicalMemory memory, long cr3, long virtual) {
        long table = cr3 & ADDRESS_MASK;
        int[] shifts = {39, 30, 21, 12};
        for (int level = 0; level < 4; level++) {
            int index = (int) (virtual >>> shifts[level] & 0x1FF);
            long entryAddress = table + 8L * index;
            if (!memory.contains(entryAddress, 8)) {
                return -1;
            }
            long entry = memory.readLong(entryAddress);
            if ((entry & PRESENT) == 0) {
                return -1;
            }
            boolean leaf = level == 3 || ((level == 1 || level == 2) && (entry & LARGE) != 0);
            if (leaf) {
                long pageMask = (1L << shifts[level]) - 1;
                return (entry & ADDRESS_MASK & ~pageMask) | (virtual & pageMask);
            }
            table = entry & ADDRESS_MASK;
        }
        throw new AssertionError("unreachable");
    }

    /**
     * The first address in {@code [start, start+length)} that is not identity mapped (checked at
     * 4 KiB granularity), or -1 when the whole range is.
     */
    public static long firstUnmapped(PhysicalMemory memory, long cr3, long start, long length) {
        long end = start + length;
        for (long page = start & ~(PAGE - 1); page < end; page += PAGE) {
            long at = Math.max(page, start);
            if (translate(memory, cr3, at) != at) {
                return at;
            }
        }
        return -1;
    }
}
