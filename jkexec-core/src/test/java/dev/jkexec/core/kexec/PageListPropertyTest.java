package dev.jkexec.core.kexec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Build a page list for random segment sets and staging ranges (which may overlap the
 * destinations), walk it (in bulk, and page by page on a copy: the same bytes), and check:
 * building wrote only inside staging; afterwards every buffered destination holds its bytes then
 * zeros; mapping-only destinations and everything outside the destinations are as before the
 * walk; the spec §4.4 invariant holds and no entry names page 0.
 */
@Pure
class PageListPropertyTest {
    private static final long PAGE = 4096;
    private static final long MEMORY_PAGES = 1024; // 4 MiB

    /** One segment: gap pages before it, its pages, buffer bytes (clamped to the destination) and whether it has a buffer. */
    record Spec(int gapPages, int destPages, int bufBytes, boolean buffered) {
    }

    record Scenario(List<Spec> specs, long orderSeed, int stagingStartPage, int stagingPages, long dataSeed) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        Arbitrary<Spec> spec = Combinators.combine(
                Arbitraries.integers().between(0, 20),
                Arbitraries.integers().between(0, 24),
                Arbitraries.integers().between(0, 24 * 4096),
                Arbitraries.of(true, true, true, false)).as(Spec::new);
        return Combinators.combine(
                spec.list().ofMinSize(1).ofMaxSize(15),
                Arbitraries.longs(),
                Arbitraries.integers().between(0, (int) MEMORY_PAGES - 2),
                Arbitraries.integers().between(2, 600),
                Arbitraries.longs()).as(Scenario::new);
    }

    @Property(tries = 300)
    void walking_the_built_list_loads_every_segment_and_nothing_else(@ForAll("scenarios") Scenario sc) {
        Random random = new Random(sc.dataSeed());
        PhysicalMemory memory = PhysicalMemory.ofHeap(MEMORY_PAGES * PAGE);
        byte[] junk = new byte[(int) memory.size()];
        random.nextBytes(junk);
        memory.write(0, junk);

        List<SegmentDescriptor> segs = new ArrayList<>();
        List<MemorySegment> buffers = new ArrayList<>();
        long page = 1;
        for (Spec s : sc.specs()) {
            page += s.gapPages();
            long destSize = s.destPages() * PAGE;
            long bufSize = s.buffered() ? Math.min(s.bufBytes(), destSize) : 0;
            byte[] data = new byte[(int) bufSize];
            random.nextBytes(data);
            segs.add(new SegmentDescriptor(s.buffered(), bufSize, page * PAGE, destSize, "s" + segs.size()));
            buffers.add(s.buffered() ? MemorySegment.ofArray(data) : null);
            page += s.destPages();
        }
        // Load order is not address order.
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < segs.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(sc.orderSeed()));
        List<SegmentDescriptor> ordered = order.stream().map(segs::get).toList();
        List<MemorySegment> orderedBuffers = order.stream().map(buffers::get).toList();

        long stagingStart = sc.stagingStartPage() * PAGE;
        long stagingSize = Math.min(sc.stagingPages(), MEMORY_PAGES - sc.stagingStartPage()) * PAGE;
        PhysicalRange staging = new PhysicalRange(stagingStart, stagingSize);
        List<PhysicalRange> dests = ordered.stream().map(SegmentDescriptor::destination).filter(r -> !r.isEmpty()).toList();
        boolean overlaps = dests.stream().anyMatch(staging::overlaps);
        Statistics.label("staging overlaps destinations").collect(overlaps);

        byte[] beforeBuild = memory.read(0, (int) memory.size());
        PageList list;
        try {
            list = PageListBuilder.build(memory, staging, ordered, orderedBuffers::get);
        } catch (KexecException e) {
            assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
            Statistics.label("outcome").collect("ENOMEM");
            assertUnchangedOutside(memory, beforeBuild, List.of(staging));
            return;
        }
        Statistics.label("outcome").collect(list.swaps() > 0 ? "built with swaps" : list.parkedPages() > 0 ? "built with parking" : "built");
        assertUnchangedOutside(memory, beforeBuild, List.of(staging));
        PageListBuilderTest.assertInvariant(memory, list, dests);

        byte[] beforeWalk = memory.read(0, (int) memory.size());
        PhysicalMemory reference = PhysicalMemory.ofHeap(memory.size());
        reference.write(0, beforeWalk);
        PageListWalker.Result walked = PageListWalker.walk(memory, list.head());
        assertThat(PageListWalker.walkPageByPage(reference, list.head())).isEqualTo(walked);
        assertThat(memory.segment().mismatch(reference.segment())).as("bulk walk = page-by-page walk").isEqualTo(-1);
        assertThat(walked.pagesCopied()).isEqualTo(list.sourcePages());
        assertThat(walked.pagesZeroed()).isEqualTo(list.zeroPages());

        for (int i = 0; i < ordered.size(); i++) {
            SegmentDescriptor s = ordered.get(i);
            MemorySegment at = memory.slice(s.dest(), s.destSize());
            if (s.buffered()) {
                assertThat(at.asSlice(0, s.bufSize()).mismatch(orderedBuffers.get(i))).as("%s bytes", s.what()).isEqualTo(-1);
                MemorySegment tail = at.asSlice(s.bufSize());
                assertThat(tail.mismatch(MemorySegment.ofArray(new byte[(int) tail.byteSize()]))).as("%s tail", s.what()).isEqualTo(-1);
            } else {
                assertThat(at.mismatch(MemorySegment.ofArray(beforeBuild).asSlice(s.dest(), s.destSize())))
                        .as("%s (mapping only) untouched", s.what()).isEqualTo(-1);
            }
        }
        List<PhysicalRange> buffered = ordered.stream().filter(SegmentDescriptor::buffered).map(SegmentDescriptor::destination).toList();
        assertUnchangedOutside(memory, beforeWalk, buffered);
    }

    /** Everything outside {@code written} equals {@code snapshot}. */
    static void assertUnchangedOutside(PhysicalMemory memory, byte[] snapshot, List<PhysicalRange> written) {
        List<PhysicalRange> sorted = new ArrayList<>(written);
        sorted.sort(Comparator.comparingLong(PhysicalRange::start));
        MemorySegment old = MemorySegment.ofArray(snapshot);
        long at = 0;
        for (PhysicalRange r : sorted) {
            if (r.start() > at) {
                assertGap(memory, old, at, r.start());
            }
            at = Math.max(at, r.end());
        }
        assertGap(memory, old, at, memory.size());
    }

    private static void assertGap(PhysicalMemory memory, MemorySegment old, long from, long to) {
        if (to <= from) {
            return;
        }
        long diff = memory.slice(from, to - from).mismatch(old.asSlice(from, to - from));
        assertThat(diff).as("changed byte at 0x%x", from + diff).isEqualTo(-1);
    }
}
