package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;
import static dev.jkexec.core.kexec.PageListEntry.PAGE_MASK;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.JkexecException;

/**
 * The relocation walk: executes a page list on physical memory exactly as Xen's
 * {@code kexec_reloc} does (spec §4.6), and as jkexec's firmware does on the vCPU.
 *
 * <p>Start at {@code head} with dest = 0. Loop: read the 8-byte entry, advance the pointer by 8,
 * then test the flags <em>in this order</em>: DESTINATION (dest = entry &amp; PAGE_MASK),
 * INDIRECTION (pointer = entry &amp; PAGE_MASK), DONE (stop), SOURCE (copy 4096 bytes from
 * entry &amp; PAGE_MASK to dest, dest += 4096), ZERO (zero 4096 bytes at dest, dest += 4096);
 * an entry with none of these flags (0 included) is skipped, as the assembly skips it.
 *
 * <p>Two walks with one meaning. {@link #walkPageByPage} is the reference: one entry, one page at a
 * time, literally the loop above. {@link #walk} gives the same memory, the same {@link Result} and
 * the same {@link WalkException} (entry address, entry, message) on every list — a property test
 * holds it to the reference — but executes a run of consecutive SOURCE entries whose sources and
 * destinations both continue contiguously (across an INDIRECTION link too) as one bulk copy, and a
 * run of ZERO entries as one fill. A page list built by {@link PageListBuilder} keeps its list
 * pages apart from its source pages, so an image's segments become a few such runs. A run is only
 * extended while that cannot differ from the page-by-page order: its destination does not lie
 * above its source inside the run (copying page by page would then re-read pages already
 * overwritten; a destination below or equal to its source reads every page before it is
 * overwritten, as a forward bulk copy does), its destination does not cover any entry read ahead
 * for it, every page lies inside memory and the entry budget lasts. Whatever stops a run is then
 * executed by the ordinary step, errors included.
 *
 * <p>Bounded: at most {@code maxEntries} entries are read, so a cyclic list ends in a
 * {@link WalkException} instead of spinning. The default budget, one entry per 8 bytes of memory,
 * is enough for any list that does not revisit a slot — and revisiting one is a cycle.
 */
public final class PageListWalker {
    private static final long PAGE = KexecConfig.PAGE_SIZE;

    private PageListWalker() {
    }

    /**
     * What a walk did.
     *
     * @param entries      entries read, DONE included
     * @param pagesCopied  SOURCE entries executed
     * @param pagesZeroed  ZERO entries executed
     * @param indirections INDIRECTION entries followed
     */
    public record Result(long entries, long pagesCopied, long pagesZeroed, long indirections) {
    }

    /** Walks the list at {@code head} with the default budget ({@code memory.size() / 8 + 1} entries). */
    public static Result walk(PhysicalMemory memory, long head) {
        return walk(memory, head, defaultBudget(memory));
    }

    /** Walks the list at {@code head}, reading at most {@code maxEntries} entries, runs in bulk. */
    public static Result walk(PhysicalMemory memory, long head, long maxEntries) {
        return new Walk(memory, head, maxEntries, true).run();
    }

    /** The reference walk, one page per entry, with the default budget. */
    public static Result walkPageByPage(PhysicalMemory memory, long head) {
        return walkPageByPage(memory, head, defaultBudget(memory));
    }

    /** The reference walk, one page per entry, reading at most {@code maxEntries} entries. */
    public static Result walkPageByPage(PhysicalMemory memory, long head, long maxEntries) {
        return new Walk(memory, head, maxEntries, false).run();
    }

    private static long defaultBudget(PhysicalMemory memory) {
        return memory.size() / PageListEntry.ENTRY_SIZE + 1;
    }

    /** One walk's registers: the list pointer, dest, and the counts. */
    private static final class Walk {
        private final PhysicalMemory memory;
        private final long maxEntries;
        private final boolean coalesce;
        private long ptr;
        private long dest;
        private long entries;
        private long copied;
        private long zeroed;
        private long indirections;

        Walk(PhysicalMemory memory, long head, long maxEntries, boolean coalesce) {
            this.memory = memory;
            this.ptr = head;
            this.maxEntries = maxEntries;
            this.coalesce = coalesce;
        }

        Result run() {
            while (true) {
                if (entries >= maxEntries) {
                    throw new WalkException(ptr, 0, "no IND_DONE within " + maxEntries + " entries (a cyclic list?)");
                }
                long at = ptr;
                long entry = read(memory, at);
                entries++;
                ptr += PageListEntry.ENTRY_SIZE;
                if ((entry & IND_DESTINATION) != 0) {
                    dest = entry & PAGE_MASK;
                } else if ((entry & IND_INDIRECTION) != 0) {
                    ptr = entry & PAGE_MASK;
                    indirections++;
                } else if ((entry & IND_DONE) != 0) {
                    return new Result(entries, copied, zeroed, indirections);
                } else if ((entry & IND_SOURCE) != 0) {
                    long src = entry & PAGE_MASK;
                    if (!memory.contains(src, PAGE) || !memory.contains(dest, PAGE)) {
                        throw new WalkException(at, entry, String.format("copy 0x%x -> 0x%x outside memory", src, dest));
                    }
                    long run = coalesce ? extend(at, true, src) : PAGE;
                    memory.copy(src, dest, run);
                    dest += run;
                    copied += run / PAGE;
                } else if ((entry & IND_ZERO) != 0) {
                    if (!memory.contains(dest, PAGE)) {
                        throw new WalkException(at, entry, String.format("zero 0x%x outside memory", dest));
                    }
                    long run = coalesce ? extend(at, false, 0) : PAGE;
                    memory.zero(dest, run);
                    dest += run;
                    zeroed += run / PAGE;
                }
            }
        }

        /**
         * Reads ahead from the entry after {@code at} (a SOURCE of {@code src} when {@code source},
         * else a ZERO) for entries that continue it, consumes them, and returns the run's
         * length in bytes. An entry is taken only if executing the whole run at once cannot differ
         * from executing it page by page (class javadoc); an INDIRECTION link is followed only when
         * the entry it leads to is taken.
         */
        private long extend(long at, boolean source, long src) {
            long run = PAGE;
            long readFrom = at;
            long readTo = at + PageListEntry.ENTRY_SIZE;
            while (entries < maxEntries && memory.contains(ptr, PageListEntry.ENTRY_SIZE)) {
                long next = memory.readLong(ptr);
                long nextAt = ptr;
                long used = 1;
                if ((next & (IND_DESTINATION | IND_INDIRECTION)) == IND_INDIRECTION) {
                    long target = next & PAGE_MASK;
                    if (entries + 1 >= maxEntries || !memory.contains(target, PageListEntry.ENTRY_SIZE)) {
                        break;
                    }
                    readFrom = Math.min(readFrom, ptr);
                    readTo = Math.max(readTo, ptr + PageListEntry.ENTRY_SIZE);
                    nextAt = target;
                    next = memory.readLong(target);
                    used = 2;
                }
                long from = Math.min(readFrom, nextAt);
                long to = Math.max(readTo, nextAt + PageListEntry.ENTRY_SIZE);
                long grown = run + PAGE;
                boolean continues = !source
                        ? (next & (IND_DESTINATION | IND_INDIRECTION | IND_DONE | IND_SOURCE)) == 0 && (next & IND_ZERO) != 0
                        : (next & (IND_DESTINATION | IND_INDIRECTION | IND_DONE | IND_SOURCE)) == IND_SOURCE
                                && (next & PAGE_MASK) == src + run
                                && memory.contains(src, grown)
                                && !(dest > src && dest < src + grown);
                if (!continues || !memory.contains(dest, grown) || overlaps(dest, grown, from, to)) {
                    break;
                }
                readFrom = from;
                readTo = to;
                run = grown;
                entries += used;
                indirections += used - 1;
                ptr = nextAt + PageListEntry.ENTRY_SIZE;
            }
            return run;
        }

        /** Whether {@code [start, start + length)} meets {@code [from, to)}. */
        private static boolean overlaps(long start, long length, long from, long to) {
            return start < to && from < start + length;
        }
    }

    private static long read(PhysicalMemory memory, long at) {
        if (!memory.contains(at, PageListEntry.ENTRY_SIZE)) {
            throw new WalkException(at, 0, "entry outside memory");
        }
        return memory.readLong(at);
    }

    /** A page list that cannot be walked: it leaves memory or never reaches IND_DONE. */
    public static final class WalkException extends JkexecException {
        private final long entryAddress;
        private final long entry;

        WalkException(long entryAddress, long entry, String problem) {
            super(String.format("page list entry at 0x%x (%s): %s", entryAddress, PageListEntry.describe(entry), problem));
            this.entryAddress = entryAddress;
            this.entry = entry;
        }

        /** Address of the entry the walk stopped at. */
        public long entryAddress() {
            return entryAddress;
        }

        /** The entry (0 when it could not be read). */
        public long entry() {
            return entry;
        }
    }
}
