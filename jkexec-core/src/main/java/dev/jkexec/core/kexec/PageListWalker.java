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
 * The reference relocation walk: executes a page list on physical memory exactly as Xen's
 * {@code kexec_reloc} does (spec §4.6), and as jkexec's firmware does on the vCPU.
 *
 * <p>Start at {@code head} with dest = 0. Loop: read the 8-byte entry, advance the pointer by 8,
 * then test the flags <em>in this order</em>: DESTINATION (dest = entry &amp; PAGE_MASK),
 * INDIRECTION (pointer = entry &amp; PAGE_MASK), DONE (stop), SOURCE (copy 4096 bytes from
 * entry &amp; PAGE_MASK to dest, dest += 4096), ZERO (zero 4096 bytes at dest, dest += 4096);
 * an entry with none of these flags (0 included) is skipped, as the assembly skips it.
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
        return walk(memory, head, memory.size() / PageListEntry.ENTRY_SIZE + 1);
    }

    /** Walks the list at {@code head}, reading at most {@code maxEntries} entries. */
    public static Result walk(PhysicalMemory memory, long head, long maxEntries) {
        long ptr = head;
        long dest = 0;
        long entries = 0;
        long copied = 0;
        long zeroed = 0;
        long indirections = 0;
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
                memory.copy(src, dest, PAGE);
                dest += PAGE;
                copied++;
            } else if ((entry & IND_ZERO) != 0) {
                if (!memory.contains(dest, PAGE)) {
                    throw new WalkException(at, entry, String.format("zero 0x%x outside memory", dest));
                }
                memory.zero(dest, PAGE);
                dest += PAGE;
                zeroed++;
            }
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
