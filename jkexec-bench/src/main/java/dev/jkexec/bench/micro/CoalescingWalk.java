package dev.jkexec.bench.micro;

import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;
import static dev.jkexec.core.kexec.PageListEntry.PAGE_MASK;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.kexec.PageListEntry;
import dev.jkexec.core.kexec.PageListWalker;

/**
 * An experiment kept for the benchmark, not used by jkexec: {@link PageListWalker}'s walk, except
 * that a SOURCE entry followed on the same list page by SOURCE entries whose source pages continue
 * it contiguously is executed as one bulk copy. {@code RelocationBench.walkCoalesced} measures it
 * against the page-at-a-time walk, so the report shows in every run whether coalescing would pay.
 *
 * <p>A run is only extended while that is indistinguishable from copying page by page: its source
 * and destination ranges do not overlap, its destination does not touch the list page being read
 * ahead, every page lies inside memory and the entry budget lasts; whatever stops a run is handled
 * by the ordinary step. Errors are reported as {@link IllegalStateException} naming the entry
 * address (the bench's property test compares outcomes and memory with the real walker).
 */
public final class CoalescingWalk {
    private static final long PAGE = 4096;

    private CoalescingWalk() {
    }

    public static PageListWalker.Result walk(PhysicalMemory memory, long head, long maxEntries) {
        long ptr = head;
        long dest = 0;
        long entries = 0;
        long copied = 0;
        long zeroed = 0;
        long indirections = 0;
        while (true) {
            if (entries >= maxEntries) {
                throw fail(ptr);
            }
            long at = ptr;
            if (!memory.contains(at, PageListEntry.ENTRY_SIZE)) {
                throw fail(at);
            }
            long entry = memory.readLong(at);
            entries++;
            ptr += PageListEntry.ENTRY_SIZE;
            if ((entry & IND_DESTINATION) != 0) {
                dest = entry & PAGE_MASK;
            } else if ((entry & IND_INDIRECTION) != 0) {
                ptr = entry & PAGE_MASK;
                indirections++;
            } else if ((entry & IND_DONE) != 0) {
                return new PageListWalker.Result(entries, copied, zeroed, indirections);
            } else if ((entry & IND_SOURCE) != 0) {
                long src = entry & PAGE_MASK;
                if (!memory.contains(src, PAGE) || !memory.contains(dest, PAGE)) {
                    throw fail(at);
                }
                long run = PAGE;
                long listPage = at & PAGE_MASK;
                while (entries < maxEntries && (ptr & PAGE_MASK) == listPage && memory.contains(ptr, PageListEntry.ENTRY_SIZE)) {
                    long next = memory.readLong(ptr);
                    if ((next & (IND_DESTINATION | IND_INDIRECTION | IND_DONE | IND_SOURCE)) != IND_SOURCE
                            || (next & PAGE_MASK) != src + run
                            || !memory.contains(src + run, PAGE) || !memory.contains(dest + run, PAGE)
                            || overlaps(src, run + PAGE, dest, run + PAGE) || overlaps(listPage, PAGE, dest, run + PAGE)) {
                        break;
                    }
                    run += PAGE;
                    ptr += PageListEntry.ENTRY_SIZE;
                    entries++;
                }
                memory.copy(src, dest, run);
                dest += run;
                copied += run / PAGE;
            } else if ((entry & IND_ZERO) != 0) {
                if (!memory.contains(dest, PAGE)) {
                    throw fail(at);
                }
                memory.zero(dest, PAGE);
                dest += PAGE;
                zeroed++;
            }
        }
    }

    private static boolean overlaps(long a, long aLength, long b, long bLength) {
        return a < b + bLength && b < a + aLength;
    }

    private static IllegalStateException fail(long at) {
        return new IllegalStateException("walk stopped at entry 0x" + Long.toHexString(at));
    }
}
