package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.ENOMEM;

import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Hands out staging pages for one page list build, keeping Xen's invariant (spec §4.4, from
 * Linux): <em>every source page is either exactly its own destination page or inside no
 * destination range at all</em>; list pages are inside no destination. Copying in list order then
 * never overwrites a source before it is read, and never a list page.
 *
 * <p>Pages come from a bump pointer over the staging range (page 0 is never handed out, so no
 * entry can point at page 0 by accident, spec §8.3). {@link #allocate}{@code (dest)} follows Xen's
 * {@code kimage_alloc_page}:
 * <ol>
 *   <li>a page parked earlier that is exactly {@code dest}: take it;</li>
 *   <li>otherwise take the next staging page P:
 *     <ul>
 *       <li>P == dest, or P inside no destination: use it;</li>
 *       <li>P is the destination of an already listed source page S (the <em>swap branch</em>):
 *           copy S into P, rewrite S's list entry to name P — the full address, not Xen 4.17's
 *           offset-only value that pointed at page 0 — and hand out S, which is inside no
 *           destination;</li>
 *       <li>otherwise P is a destination nobody sources yet: park it and try the next.</li>
 *     </ul></li>
 * </ol>
 * Each staging page is looked at once, so a build is O(staging pages + entries). The caller fills
 * every page it gets completely (data plus zero tail, or a zeroed list page).
 */
final class StagingAllocator {
    /** Xen's {@code KIMAGE_NO_DEST}: the page will not be copied anywhere (list pages). */
    static final long NO_DEST = -1;
    private static final long PAGE = KexecConfig.PAGE_SIZE;

    private final PhysicalMemory memory;
    private final PhysicalRange staging;
    private final DestinationIndex destinations;
    private final Set<Long> parked = new HashSet<>();
    /** Destination page → address of the list slot holding its IND_SOURCE entry. */
    private final Map<Long, Long> sourceSlots = new HashMap<>();
    private long next;
    private long parkedTotal;
    private long swaps;

    StagingAllocator(PhysicalMemory memory, PhysicalRange staging, DestinationIndex destinations) {
        this.memory = memory;
        this.staging = staging;
        this.destinations = destinations;
        this.next = Math.max(staging.start(), PAGE);
    }

    /** The first page a staging range hands out (page 0 never is). */
    static long firstPage(PhysicalRange staging) {
        return Math.max(staging.start(), PAGE);
    }

    /** Pages a staging range can hand out (page 0 excluded). */
    static long usablePages(PhysicalRange staging) {
        long from = Math.max(staging.start(), PAGE);
        return staging.end() > from ? (staging.end() - from) / PAGE : 0;
    }

    /** A page to hold the data for {@code dest}, or a list page for {@link #NO_DEST}. */
    long allocate(long dest) {
        if (dest != NO_DEST && parked.remove(dest)) {
            return dest;
        }
        while (true) {
            if (next >= staging.end()) {
                throw new KexecException(ENOMEM, "staging", staging + " exhausted after " + pagesTaken()
                        + " pages (" + parked.size() + " of them inside the image's destinations): default image does not fit");
            }
            long p = next;
            next += PAGE;
            if (p == dest || !destinations.contains(p)) {
                return p;
            }
            Long slot = sourceSlots.get(p);
            if (slot != null) {
                return swap(p, slot);
            }
            parked.add(p);
            parkedTotal++;
        }
    }

    /**
     * P is the destination of the source page S named at {@code slot}: P takes S's data and
     * becomes its own source; S is free and is handed out.
     */
    private long swap(long p, long slot) {
        long s = memory.readLong(slot) & PageListEntry.PAGE_MASK;
        memory.copy(s, p, PAGE);
        memory.writeLong(slot, PageListEntry.source(p));
        swaps++;
        return s;
    }

    /** Records that the entry at {@code slot} sources destination page {@code dest}. */
    void sourceListed(long dest, long slot) {
        sourceSlots.put(dest, slot);
    }

    long pagesTaken() {
        return (next - Math.max(staging.start(), PAGE)) / PAGE;
    }

    /** Pages parked so far (some may have been taken back as their own source since). */
    long parkedPages() {
        return parkedTotal;
    }

    long swaps() {
        return swaps;
    }
}
