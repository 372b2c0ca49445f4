package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.ENOMEM;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;

import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Writes a default image's page list and source pages into the staging range at exec (spec §4.2,
 * Xen's {@code kimage_load_normal_segment} and {@code kimage_add_entry}).
 *
 * <p>For each buffered segment, in order: {@code dest | IND_DESTINATION}; per started 4 KiB of
 * buffer a staging page holding that chunk (zero padded) and {@code src | IND_SOURCE}, or a bare
 * {@code IND_ZERO} when the chunk is all zeros (a vmlinux's .bss and .brk are such pages in the
 * file: 48% of the 6.1 kernel's); one bare {@code IND_ZERO} per remaining destination page. Mapping-only segments add nothing. Then
 * {@code IND_DONE}. List pages hold 511 entries; when an entry finds the cursor on slot 511, the
 * next list page is linked there with {@code IND_INDIRECTION}.
 *
 * <p>Layout: unlike Xen, which allocates each further list page when the cursor reaches it (so list
 * pages sit between source pages), every list page the build needs — the entry count is known from
 * the segments — is allocated first, before any source page. The source pages of a segment then
 * follow one another in staging wherever staging leaves no destination page to park, and the walk
 * ({@link PageListWalker#walk}) copies such a run in one bulk copy. The list's entries and meaning
 * are those of Xen's; only where its pages lie differs, which the spec leaves to the allocator.
 *
 * <p>Ownership during a build: staging pages handed out by the {@link StagingAllocator} belong to
 * the list being built; everything else in physical memory is only read. Pages are chosen so the
 * list is safe to walk in order ({@link StagingAllocator} states the invariant). If the staging
 * range runs out, {@code -ENOMEM} is thrown and whatever was written stays in staging, where
 * nothing refers to it.
 */
public final class PageListBuilder {
    private static final long PAGE = KexecConfig.PAGE_SIZE;

    private final PhysicalMemory memory;
    private final StagingAllocator allocator;
    private long head;
    private long listPage;
    private int slot;
    /** List pages allocated up front, in link order; {@link #nextListPage} indexes them. */
    private long[] listPagesAhead;
    private int nextListPage;
    private long listPages;
    private long sourcePages;
    private long zeroPages;
    private static final MemorySegment ZERO_PAGE = MemorySegment.ofArray(new byte[(int) KexecConfig.PAGE_SIZE]);

    /** Whether {@code chunk} (at most a page) is all zeros: a vectorized compare with a page of zeros. */
    static boolean allZeros(MemorySegment chunk) {
        return chunk.mismatch(ZERO_PAGE.asSlice(0, chunk.byteSize())) == -1;
    }

    private PageListBuilder(PhysicalMemory memory, PhysicalRange staging, List<SegmentDescriptor> segments) {
        this.memory = memory;
        this.allocator = new StagingAllocator(memory, staging,
                new DestinationIndex(segments.stream().map(SegmentDescriptor::destination).toList()));
    }

    /**
     * Builds the list of {@code segments} (already accepted by {@link ImageRules}), reading the
     * buffer of buffered segment {@code i} from {@code buffers.apply(i)}.
     *
     * @throws dev.jkexec.core.KexecException -ENOMEM when the staging range is too small
     */
    public static PageList build(PhysicalMemory memory, PhysicalRange staging, List<SegmentDescriptor> segments,
                                 IntFunction<MemorySegment> buffers) {
        PageListBuilder b = new PageListBuilder(memory, staging, segments);
        long needed = listPagesFor(segments);
        if (needed > StagingAllocator.usablePages(staging)) {
            throw new KexecException(ENOMEM, "staging", staging + " holds fewer pages than the " + needed
                    + " list pages of the image: default image does not fit");
        }
        b.listPagesAhead = new long[(int) needed];
        for (int i = 0; i < b.listPagesAhead.length; i++) {
            b.listPagesAhead[i] = b.allocateListPage();
        }
        b.head = b.newListPage();
        b.listPage = b.head;
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor s = segments.get(i);
            if (s.buffered()) {
                b.addSegment(s, buffers.apply(i));
            }
        }
        // Xen's kimage_terminate: DONE goes at the cursor, slot 511 included (no link needed after it).
        b.memory.writeLong(b.listPage + (long) b.slot * PageListEntry.ENTRY_SIZE, IND_DONE);
        if (b.nextListPage != b.listPagesAhead.length) {
            throw new AssertionError("page list used " + b.nextListPage + " of the " + b.listPagesAhead.length + " list pages counted for it");
        }
        StagingAllocator a = b.allocator;
        return new PageList(b.head, b.listPages, b.sourcePages, b.zeroPages, a.parkedPages(), a.swaps(), a.pagesTaken());
    }

    private void addSegment(SegmentDescriptor s, MemorySegment buffer) {
        append(PageListEntry.destination(s.dest()));
        long size = s.bufSize();
        long dest = s.dest();
        for (long off = 0; off < size; off += PAGE, dest += PAGE) {
            long chunk = Math.min(PAGE, size - off);
            MemorySegment bytes = buffer.asSlice(off, chunk);
            if (allZeros(bytes)) {
                // A page of zeros in the buffer is a ZERO entry, as the tail's are: the walk writes
                // the same bytes (rep stosq, no source to read) and staging holds no copy of it.
                append(IND_ZERO);
                zeroPages++;
                continue;
            }
            long page = allocator.allocate(dest);
            memory.write(page, bytes);
            if (chunk < PAGE) {
                memory.zero(page + chunk, PAGE - chunk);
            }
            long at = append(PageListEntry.source(page));
            allocator.sourceListed(dest, at);
            sourcePages++;
        }
        for (; dest < s.destEnd(); dest += PAGE) {
            append(IND_ZERO);
            zeroPages++;
        }
    }

    /** Appends one entry (allocating and linking a new list page at slot 511) and returns its address. */
    private long append(long entry) {
        assertNotPageZero(entry);
        if (slot == PageListEntry.LINK_SLOT) {
            long next = newListPage();
            memory.writeLong(listPage + (long) PageListEntry.LINK_SLOT * PageListEntry.ENTRY_SIZE, PageListEntry.indirection(next));
            listPage = next;
            slot = 0;
        }
        long at = listPage + (long) slot * PageListEntry.ENTRY_SIZE;
        memory.writeLong(at, entry);
        slot++;
        return at;
    }

    /**
     * List pages for {@code segments}: one DESTINATION per buffered segment, one SOURCE per started
     * 4 KiB of its buffer, one ZERO per remaining destination page, 511 to a page (DONE may take
     * slot 511 of the last), and at least one page.
     */
    static long listPagesFor(List<SegmentDescriptor> segments) {
        long entries = 0;
        for (SegmentDescriptor s : segments) {
            if (s.buffered()) {
                long sourced = (s.bufSize() + PAGE - 1) / PAGE;
                long after = s.dest() + sourced * PAGE;
                long zeros = s.destEnd() > after ? (s.destEnd() - after + PAGE - 1) / PAGE : 0;
                entries += 1 + sourced + zeros;
            }
        }
        return Math.max(1, (entries + PageListEntry.DATA_SLOTS - 1) / PageListEntry.DATA_SLOTS);
    }

    private long allocateListPage() {
        long page = allocator.allocate(StagingAllocator.NO_DEST);
        memory.zero(page, PAGE);
        return page;
    }

    /** The next of the list pages allocated up front. */
    private long newListPage() {
        if (nextListPage == listPagesAhead.length) {
            throw new AssertionError("page list needs more than the " + listPagesAhead.length + " list pages counted for it");
        }
        listPages++;
        return listPagesAhead[nextListPage++];
    }

    /** A SOURCE or INDIRECTION entry naming page 0 is always our bug (spec §8.3), never data. */
    private static void assertNotPageZero(long entry) {
        long flags = entry & ~PageListEntry.PAGE_MASK;
        if ((flags == PageListEntry.IND_SOURCE || flags == PageListEntry.IND_INDIRECTION)
                && (entry & PageListEntry.PAGE_MASK) == 0) {
            throw new AssertionError("page list entry " + PageListEntry.describe(entry) + " names page 0");
        }
    }
}
