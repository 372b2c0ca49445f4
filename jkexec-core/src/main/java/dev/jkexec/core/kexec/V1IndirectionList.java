package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.EFAULT;
import static dev.jkexec.core.Errno.EINVAL;
import static dev.jkexec.core.Errno.ENOMEM;
import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.PAGE_MASK;

import dev.jkexec.core.KexecException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.platform.PhysicalMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A v1 guest's indirection list (spec §7, Xen's {@code kexec_segments_from_ind_page}), read once
 * from guest memory and turned into segments.
 *
 * <p>Entries are 64-bit; the flag is the low 4 bits and must be exactly IND_DESTINATION,
 * IND_INDIRECTION, IND_DONE or IND_SOURCE (anything else, 0 and IND_ZERO included: -EINVAL); the
 * address is {@code entry & PAGE_MASK}. A DESTINATION starts a new segment unless it continues the
 * previous one; each SOURCE adds a 4 KiB page to the current segment (none yet: -EINVAL); more than
 * 16 segments: -EINVAL.
 *
 * <p>Unlike Xen, the walk is bounded (Xen loops forever on a cycle, §8.16): a list page that is
 * visited twice is a cycle, a page whose 512 slots end without INDIRECTION or DONE is malformed
 * (both -EINVAL), an entry outside guest memory is -EFAULT, and more source pages than the
 * caller's limit is -ENOMEM — so the walk reads at most 512 entries per guest page and stores at
 * most the limit. The list is read once; the source pages are copied only later, after the load
 * rules passed ({@link #buffer}), so the guest cannot change the list between two walks.
 */
public final class V1IndirectionList {
    private static final long PAGE = KexecConfig.PAGE_SIZE;
    private static final long FLAG_MASK = 0xF;

    private final List<Long> dests = new ArrayList<>();
    private final List<long[]> sources = new ArrayList<>();
    private final List<Integer> counts = new ArrayList<>();
    private long totalSources;

    private V1IndirectionList() {
    }

    /**
     * Reads the list whose first page is {@code firstPage} (a maddr; its low bits are dropped, as
     * Xen's {@code maddr_to_mfn} does).
     */
    public static V1IndirectionList read(PhysicalMemory guest, long firstPage, long maxSourcePages) {
        V1IndirectionList list = new V1IndirectionList();
        Set<Long> visited = new HashSet<>();
        long page = firstPage & PAGE_MASK;
        visited.add(page);
        int slot = 0;
        while (true) {
            if (slot == PageListEntry.SLOTS_PER_PAGE) {
                throw new KexecException(EINVAL, "image.indirection_page",
                        "list page " + ImageRules.hex(page) + " ends without IND_INDIRECTION or IND_DONE");
            }
            long at = page + (long) slot * PageListEntry.ENTRY_SIZE;
            if (!guest.contains(at, PageListEntry.ENTRY_SIZE)) {
                throw new KexecException(EFAULT, "image.indirection_page", "list entry at " + ImageRules.hex(at) + " outside guest memory");
            }
            long entry = guest.readLong(at);
            slot++;
            long address = entry & PAGE_MASK;
            long flag = entry & FLAG_MASK;
            if (flag == IND_DESTINATION) {
                list.destination(address);
            } else if (flag == IND_INDIRECTION) {
                if (!visited.add(address)) {
                    throw new KexecException(EINVAL, "image.indirection_page",
                            "list entry at " + ImageRules.hex(at) + " links back to list page " + ImageRules.hex(address) + " (a cycle)");
                }
                page = address;
                slot = 0;
            } else if (flag == IND_DONE) {
                return list;
            } else if (flag == IND_SOURCE) {
                list.source(at, address, maxSourcePages);
            } else {
                throw new KexecException(EINVAL, "image.indirection_page", "list entry " + ImageRules.hex(entry) + " at "
                        + ImageRules.hex(at) + " has flags " + ImageRules.hex(flag) + ", not exactly one of IND_DESTINATION, "
                        + "IND_INDIRECTION, IND_DONE, IND_SOURCE");
            }
        }
    }

    private void destination(long address) {
        int n = dests.size();
        if (n > 0 && dests.get(n - 1) + counts.get(n - 1) * PAGE == address) {
            return; // continues the current segment
        }
        if (n == KexecImage.MAX_SEGMENTS_V1) {
            throw new KexecException(EINVAL, "image.indirection_page",
                    "IND_DESTINATION " + ImageRules.hex(address) + " starts segment " + (n + 1) + ", more than " + KexecImage.MAX_SEGMENTS_V1);
        }
        dests.add(address);
        counts.add(0);
        sources.add(new long[4]);
    }

    private void source(long at, long address, long maxSourcePages) {
        int n = dests.size();
        if (n == 0) {
            throw new KexecException(EINVAL, "image.indirection_page",
                    "IND_SOURCE " + ImageRules.hex(address) + " at " + ImageRules.hex(at) + " before any IND_DESTINATION");
        }
        if (totalSources == maxSourcePages) {
            throw new KexecException(ENOMEM, "image.indirection_page",
                    "more than " + maxSourcePages + " IND_SOURCE pages");
        }
        int count = counts.get(n - 1);
        long[] pages = sources.get(n - 1);
        if (count == pages.length) {
            pages = Arrays.copyOf(pages, pages.length * 2);
            sources.set(n - 1, pages);
        }
        pages[count] = address;
        counts.set(n - 1, count + 1);
        totalSources++;
    }

    /** The segments: one per run of contiguous destinations; buffered unless it has no page. */
    public List<SegmentDescriptor> segments() {
        List<SegmentDescriptor> out = new ArrayList<>();
        for (int i = 0; i < dests.size(); i++) {
            long size = counts.get(i) * PAGE;
            out.add(new SegmentDescriptor(size > 0, size, dests.get(i), size, "v1 segment " + i));
        }
        return out;
    }

    /** Total IND_SOURCE pages. */
    public long sourcePages() {
        return totalSources;
    }

    /** The guest source pages of segment {@code index}, in order. */
    public long[] sourcePages(int index) {
        return Arrays.copyOf(sources.get(index), counts.get(index));
    }

    /**
     * Gathers segment {@code index}'s source pages from guest memory into one buffer allocated in
     * {@code arena}; a source page outside guest memory is -EFAULT (Xen: not owned by the caller).
     */
    MemorySegment buffer(int index, PhysicalMemory guest, Arena arena) {
        int count = counts.get(index);
        long[] pages = sources.get(index);
        for (int k = 0; k < count; k++) {
            if (!guest.contains(pages[k], PAGE)) {
                throw new KexecException(EFAULT, "image.indirection_page",
                        "IND_SOURCE " + ImageRules.hex(pages[k]) + " outside guest memory");
            }
        }
        MemorySegment buf;
        try {
            buf = arena.allocate(count * PAGE, PAGE);
        } catch (OutOfMemoryError e) {
            throw new KexecException(ENOMEM, "image.indirection_page", "cannot gather " + count + " source pages");
        }
        for (int k = 0; k < count; k++) {
            MemorySegment.copy(guest.slice(pages[k], PAGE), 0, buf, k * PAGE, PAGE);
        }
        return buf;
    }
}
