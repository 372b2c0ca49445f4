package dev.jkexec.core.crash;

import dev.jkexec.platform.PhysicalMemory;

/**
 * A guest's x86-64 page tables, walked on the host over its physical memory: 4-level, or 5-level
 * when the guest kernel says so ({@code NUMBER(pgtable_l5_enabled)=1}). Untrusted input: a table
 * or entry outside memory reads as "not mapped", never as an exception, and a walk is at most
 * five reads.
 */
public final class GuestPageTables {
    static final long PRESENT = 1;
    static final long PAGE_SIZE_BIT = 0x80;
    /** Physical address bits 12..51 of an entry. */
    static final long ADDRESS_MASK = 0x000F_FFFF_FFFF_F000L;

    private final PhysicalMemory memory;
    private final long root;
    private final int levels;

    /**
     * @param root   physical address of the top-level table (a CR3 value without its flags)
     * @param levels 4 or 5
     */
    public GuestPageTables(PhysicalMemory memory, long root, int levels) {
        if (levels != 4 && levels != 5) {
            throw new IllegalArgumentException("levels " + levels + " is neither 4 nor 5");
        }
        this.memory = memory;
        this.root = root & ADDRESS_MASK;
        this.levels = levels;
    }

    public long root() {
        return root;
    }

    public int levels() {
        return levels;
    }

    /**
     * A leaf of the walk.
     *
     * @param paddr    the physical address the virtual address maps to
     * @param pageSize 4 KiB, 2 MiB or 1 GiB
     */
    public record Mapping(long paddr, long pageSize) {
        /** Bytes from the address to the end of its page. */
        public long remaining(long vaddr) {
            return pageSize - (vaddr & (pageSize - 1));
        }
    }

    /** Where {@code vaddr} maps, or {@code null} when it is not mapped. */
    public Mapping lookup(long vaddr) {
        long table = root;
        for (int level = levels; level >= 1; level--) {
            int shift = 12 + 9 * (level - 1);
            long at = table + ((vaddr >>> shift) & 511) * 8;
            if (!memory.contains(at, 8)) {
                return null;
            }
            long e = memory.readLong(at);
            if ((e & PRESENT) == 0) {
                return null;
            }
            long size = 1L << shift;
            if (level == 1 || (level <= 3 && (e & PAGE_SIZE_BIT) != 0)) {
                long base = e & ADDRESS_MASK & ~(size - 1);
                return new Mapping(base + (vaddr & (size - 1)), size);
            }
            table = e & ADDRESS_MASK;
        }
        return null;
    }

    /**
     * Copies up to {@code length} bytes of virtual memory from {@code vaddr} into {@code into},
     * one mapped page run at a time; returns how many were mapped (a prefix; the rest is zeroed).
     */
    public long read(long vaddr, byte[] into, int length) {
        java.util.Arrays.fill(into, 0, length, (byte) 0);
        long done = 0;
        while (done < length) {
            Mapping m = lookup(vaddr + done);
            if (m == null) {
                break;
            }
            long n = Math.min(m.remaining(vaddr + done), length - done);
            if (!memory.contains(m.paddr(), n)) {
                break;
            }
            java.lang.foreign.MemorySegment.copy(memory.slice(m.paddr(), n), 0, java.lang.foreign.MemorySegment.ofArray(into), done, n);
            done += n;
        }
        return done;
    }

    /** The physical address of {@code vaddr}, or -1 when it is not mapped. */
    public long translate(long vaddr) {
        Mapping m = lookup(vaddr);
        return m == null ? -1 : m.paddr();
    }

    /**
     * The lowest virtual address at or above {@code from} that starts a present entry covering
     * 1 GiB (a PUD entry: a 1 GiB page or a page directory), or -1 when there is none below the
     * top of the address space. Used to find the direct map.
     */
    public long firstPresentGiB(long from) {
        return firstPresent(root, levels, from, 0);
    }

    private long firstPresent(long table, int level, long from, long base) {
        int shift = 12 + 9 * (level - 1);
        int first = base == 0 && level == levels ? (int) ((from >>> shift) & 511) : 0;
        for (int i = first; i < 512; i++) {
            long at = table + i * 8L;
            if (!memory.contains(at, 8)) {
                return -1;
            }
            long e = memory.readLong(at);
            if ((e & PRESENT) == 0) {
                continue;
            }
            long vaddr = canonical(base | ((long) i << shift));
            if (Long.compareUnsigned(vaddr + (1L << shift) - 1, from) < 0) {
                continue;
            }
            if (level == 3) {
                if (Long.compareUnsigned(vaddr, from) >= 0) {
                    return vaddr;
                }
                continue;
            }
            if ((e & PAGE_SIZE_BIT) != 0) {
                continue; // a 512 GiB leaf does not exist on x86
            }
            long found = firstPresent(e & ADDRESS_MASK, level - 1, from, base | ((long) i << shift));
            if (found != -1) {
                return found;
            }
        }
        return -1;
    }

    private long canonical(long v) {
        int bits = levels == 5 ? 57 : 48;
        return (v << (64 - bits)) >> (64 - bits);
    }
}
