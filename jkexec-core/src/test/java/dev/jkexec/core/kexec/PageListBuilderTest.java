package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.Fixtures.PAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Page lists for chosen layouts: chaining at slot 511, list pages ahead of contiguous source pages, the parking and swap branches of spec §4.4, page 0. */
@Pure
class PageListBuilderTest {
    private final PhysicalMemory memory = PhysicalMemory.ofHeap(8 * Fixtures.MIB);

    private PageList build(PhysicalRange staging, KexecImage image) {
        List<SegmentDescriptor> segs = ImageDescriptor.of(image).segments();
        return PageListBuilder.build(memory, staging, segs, i -> image.segments().get(i).buffer());
    }

    private static KexecImage image(KexecSegment... segs) {
        return new KexecImage(ImageType.DEFAULT, Arch.X86_64, 0, List.of(segs), null);
    }

    /** Checks the spec §4.4 invariant and that no SOURCE or INDIRECTION names page 0. */
    static void assertInvariant(PhysicalMemory memory, PageList list, List<PhysicalRange> destinations) {
        PageLists.Decoded d = PageLists.decode(memory, list.head());
        DestinationIndex dests = new DestinationIndex(destinations);
        for (PageLists.Source s : d.sources()) {
            assertThat(s.source()).as("source of 0x%x", s.dest()).isNotZero();
            assertThat(s.source() == s.dest() || !dests.contains(s.source()))
                    .as("source 0x%x for 0x%x is its own destination or in none", s.source(), s.dest()).isTrue();
        }
        for (long page : d.listPages()) {
            assertThat(page).isNotZero();
            assertThat(dests.contains(page)).as("list page 0x%x inside a destination", page).isFalse();
        }
        assertThat(d.listPages()).hasSize((int) list.listPages());
        assertThat(d.sources()).hasSize((int) list.sourcePages());
    }

    @Test
    void list_pages_chain_at_slot_511() {
        PhysicalRange staging = new PhysicalRange(4 * Fixtures.MIB, 64 * PAGE);
        // 1 DESTINATION + 511 ZERO = 512 data entries: the 512th needs a second list page.
        KexecImage img = image(Fixtures.seg(1, 0, 0x100000, 511 * PAGE));
        PageList list = build(staging, img);
        assertThat(list.listPages()).isEqualTo(2);
        long link = memory.readLong(list.head() + 511 * 8);
        assertThat(link & ~PageListEntry.PAGE_MASK).isEqualTo(PageListEntry.IND_INDIRECTION);
        long second = link & PageListEntry.PAGE_MASK;
        assertThat(memory.readLong(second)).isEqualTo(PageListEntry.IND_ZERO);
        assertThat(memory.readLong(second + 8)).isEqualTo(PageListEntry.IND_DONE);
        assertThat(PageListWalker.walk(memory, list.head()).pagesZeroed()).isEqualTo(511);
    }

    @Test
    void a_buffer_page_of_zeros_is_a_zero_entry_with_no_staging_copy_and_walks_to_the_same_bytes() {
        PhysicalRange staging = new PhysicalRange(4 * Fixtures.MIB, 64 * PAGE);
        byte[] buf = new byte[4 * (int) PAGE + 10];
        java.util.Arrays.fill(buf, 0, (int) PAGE, (byte) 0x5A);        // page 0: data
        buf[(int) (2 * PAGE) + 4095] = 1;                              // page 1 zeros, page 2 data in its last byte
        buf[(int) (4 * PAGE) + 9] = 2;                                 // page 3 zeros, a partial page 4 with data
        KexecImage img = image(new KexecSegment(MemorySegment.ofArray(buf), 0x100000, 6 * PAGE, "kernel"));
        PageList list = build(staging, img);
        assertThat(list.sourcePages()).isEqualTo(3);
        assertThat(list.zeroPages()).as("two zero pages of the buffer and the one page of tail").isEqualTo(3);
        for (long p = 0x100000; p < 0x100000 + 6 * PAGE; p += 8) {
            memory.writeLong(p, 0x1111_1111_1111_1111L);               // what the old kernel left there
        }
        PageListWalker.walk(memory, list.head());
        byte[] expected = java.util.Arrays.copyOf(buf, 6 * (int) PAGE);
        assertThat(memory.read(0x100000, 6 * (int) PAGE)).isEqualTo(expected);
    }

    @Test
    void done_may_take_slot_511_as_in_xen() {
        PhysicalRange staging = new PhysicalRange(4 * Fixtures.MIB, 64 * PAGE);
        KexecImage img = image(Fixtures.seg(1, 0, 0x100000, 510 * PAGE)); // 511 data entries fill slots 0..510
        PageList list = build(staging, img);
        assertThat(list.listPages()).isEqualTo(1);
        assertThat(memory.readLong(list.head() + 511 * 8)).isEqualTo(PageListEntry.IND_DONE);
    }

    @Test
    void staging_page_inside_a_later_destination_is_parked_then_used_in_place() {
        long s = 4 * Fixtures.MIB;
        PhysicalRange staging = new PhysicalRange(s, 16 * PAGE);
        // Segment A elsewhere takes staging pages; pages s+2, s+3 belong to B's destination: parked, then used by B as their own source.
        KexecImage img = image(Fixtures.seg(1, 3 * PAGE, 0x100000, 3 * PAGE), Fixtures.seg(2, 2 * PAGE, s + 2 * PAGE, 2 * PAGE));
        PageList list = build(staging, img);
        assertThat(list.parkedPages()).isEqualTo(2);
        PageLists.Decoded d = PageLists.decode(memory, list.head());
        assertThat(d.sources()).filteredOn(src -> src.source() == src.dest()).hasSize(2);
        assertInvariant(memory, list, List.of(new PhysicalRange(0x100000, 3 * PAGE), new PhysicalRange(s + 2 * PAGE, 2 * PAGE)));
        PageListWalker.walk(memory, list.head());
        Fixtures.assertLoaded(memory, img);
    }

    @Test
    void staging_page_that_is_an_already_sourced_destination_takes_the_swap_branch() {
        long s = 4 * Fixtures.MIB;
        PhysicalRange staging = new PhysicalRange(s, 32 * PAGE);
        // A's destination is staging pages 4..7: its first sources come from pages 1..3, then page 4 (A's own first
        // destination, already sourced by page 1) turns up: Xen's swap branch. B then meets pages 5..7 the same way.
        KexecImage img = image(Fixtures.seg(1, 4 * PAGE, s + 4 * PAGE, 4 * PAGE), Fixtures.seg(2, 3 * PAGE - 10, 0x100000, 4 * PAGE));
        PageList list = build(staging, img);
        assertThat(list.swaps()).isGreaterThanOrEqualTo(2);
        List<PhysicalRange> dests = List.of(new PhysicalRange(s + 4 * PAGE, 4 * PAGE), new PhysicalRange(0x100000, 4 * PAGE));
        assertInvariant(memory, list, dests);
        PageListWalker.walk(memory, list.head());
        Fixtures.assertLoaded(memory, img);
    }

    @Test
    void staging_at_address_zero_never_hands_out_page_zero() {
        PhysicalRange staging = new PhysicalRange(0, 8 * PAGE);
        KexecImage img = image(Fixtures.seg(1, 2 * PAGE, 0x100000, 2 * PAGE));
        PageList list = build(staging, img);
        assertThat(list.head()).isEqualTo(PAGE);
        assertInvariant(memory, list, List.of(new PhysicalRange(0x100000, 2 * PAGE)));
        assertThat(memory.read(0, (int) PAGE)).containsOnly(0);
    }

    @Test
    void partial_last_chunk_is_zero_padded_over_old_staging_bytes() {
        PhysicalRange staging = new PhysicalRange(4 * Fixtures.MIB, 8 * PAGE);
        memory.slice(staging.start(), staging.size()).fill((byte) 0xEE);
        KexecImage img = image(new KexecSegment(MemorySegment.ofArray(Fixtures.bytes(3, 100)), 0x100000, PAGE, "x"));
        PageList list = build(staging, img);
        long src = PageLists.decode(memory, list.head()).sources().getFirst().source();
        assertThat(memory.read(src + 100, (int) PAGE - 100)).containsOnly(0);
        PageListWalker.walk(memory, list.head());
        Fixtures.assertLoaded(memory, img);
    }

    @Test
    void list_pages_come_first_so_a_segments_source_pages_are_contiguous() {
        PhysicalRange staging = new PhysicalRange(4 * Fixtures.MIB, 4 * Fixtures.MIB);
        // 1 DESTINATION + 600 SOURCE + 20 ZERO + 1 DESTINATION + 3 SOURCE = 625 entries: 2 list pages.
        KexecImage img = image(Fixtures.seg(1, 600 * PAGE - 5, 0x100000, 620 * PAGE), Fixtures.seg(2, 3 * PAGE, 0x380000, 3 * PAGE));
        PageList list = build(staging, img);
        assertThat(list.listPages()).isEqualTo(2).isEqualTo(PageListBuilder.listPagesFor(ImageDescriptor.of(img).segments()));
        PageLists.Decoded d = PageLists.decode(memory, list.head());
        assertThat(d.listPages()).containsExactly(staging.start(), staging.start() + PAGE);
        for (int i = 0; i < d.sources().size(); i++) {
            assertThat(d.sources().get(i).source()).as("source %d", i).isEqualTo(staging.start() + (2 + i) * PAGE);
        }
        PageListWalker.Result walked = PageListWalker.walk(memory, list.head());
        assertThat(walked).isEqualTo(new PageListWalker.Result(627, 603, 20, 1));
        Fixtures.assertLoaded(memory, img);
    }

    @Test
    void list_page_count_is_exact_at_the_slot_511_boundaries() {
        // n ZERO entries after one DESTINATION: 511 data entries fit one page (DONE in slot 511), 512 need two.
        for (int zeros : new int[] {0, 509, 510, 511, 1021, 1022, 1023}) {
            List<SegmentDescriptor> segs = List.of(new SegmentDescriptor(true, 0, 0x100000, zeros * PAGE, "z"));
            long expected = Math.max(1, (1 + zeros + 510) / 511);
            assertThat(PageListBuilder.listPagesFor(segs)).as("%d zeros", zeros).isEqualTo(expected);
            PageList list = PageListBuilder.build(memory, new PhysicalRange(6 * Fixtures.MIB, 64 * PAGE), segs, i -> MemorySegment.NULL);
            assertThat(list.listPages()).isEqualTo(expected);
        }
    }
}
