package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

/**
 * Both walks on hand-built lists: flag order, skipped entries, bounds, cycles (spec §4.6), and the
 * cases where copying a run in bulk would differ from page by page, which {@link PageListWalker#walk}
 * must detect.
 */
@Pure
class PageListWalkerTest {
    private static final long PAGE = 4096;
    private final PhysicalMemory memory = PhysicalMemory.ofHeap(64 * PAGE);

    private void list(long at, long... entries) {
        for (int i = 0; i < entries.length; i++) {
            memory.writeLong(at + 8L * i, entries[i]);
        }
    }

    private void fill(long page, int value) {
        memory.slice(page, PAGE).fill((byte) value);
    }

    private int byteAt(long address) {
        return memory.read(address, 1)[0] & 0xFF;
    }

    @Test
    void copies_zeroes_follows_and_stops() {
        fill(10 * PAGE, 0xAA);
        fill(11 * PAGE, 0xBB);
        fill(21 * PAGE, 0x77);
        list(PAGE, 20 * PAGE | IND_DESTINATION, 10 * PAGE | IND_SOURCE, 2 * PAGE | IND_INDIRECTION);
        list(2 * PAGE, IND_ZERO, 11 * PAGE | IND_SOURCE, IND_DONE, 30 * PAGE | IND_DESTINATION, 10 * PAGE | IND_SOURCE);
        PageListWalker.Result r = PageListWalker.walk(memory, PAGE);
        assertThat(r).isEqualTo(new PageListWalker.Result(6, 2, 1, 1));
        assertThat(byteAt(20 * PAGE)).isEqualTo(0xAA);
        assertThat(byteAt(21 * PAGE + 4095)).isZero();
        assertThat(byteAt(22 * PAGE)).isEqualTo(0xBB);
        assertThat(byteAt(30 * PAGE)).as("after DONE: nothing").isZero();
    }

    @Test
    void flags_are_tested_in_xens_order_and_unknown_entries_skipped() {
        fill(10 * PAGE, 0xAA);
        list(PAGE,
                20 * PAGE | IND_DESTINATION | IND_SOURCE,   // DESTINATION wins: no copy
                0,                                           // skipped by the assembly
                0x20,                                        // no known flag: skipped
                10 * PAGE | IND_SOURCE,                      // copy to 20
                2 * PAGE | IND_INDIRECTION | IND_SOURCE);    // INDIRECTION wins over SOURCE
        list(2 * PAGE, IND_DONE | IND_SOURCE | 10 * PAGE);  // DONE wins over SOURCE
        PageListWalker.Result r = PageListWalker.walk(memory, PAGE);
        assertThat(r.pagesCopied()).isEqualTo(1);
        assertThat(r.entries()).isEqualTo(6);
        assertThat(byteAt(20 * PAGE)).isEqualTo(0xAA);
        assertThat(byteAt(21 * PAGE)).isZero();
    }

    @Test
    void a_cycle_ends_in_an_error_not_a_hang() {
        list(PAGE, 2 * PAGE | IND_INDIRECTION);
        list(2 * PAGE, PAGE | IND_INDIRECTION);
        PageListWalker.WalkException e = catchThrowableOfType(PageListWalker.WalkException.class,
                () -> PageListWalker.walk(memory, PAGE));
        assertThat(e.getMessage()).contains("no IND_DONE within " + (64 * PAGE / 8 + 1) + " entries");
    }

    @Test
    void a_list_running_off_memory_is_an_error() {
        list(63 * PAGE + 4088, 0);
        PageListWalker.WalkException e = catchThrowableOfType(PageListWalker.WalkException.class,
                () -> PageListWalker.walk(memory, 63 * PAGE + 4088));
        assertThat(e.entryAddress()).isEqualTo(64 * PAGE);
        assertThat(e.getMessage()).contains("entry outside memory");
    }

    @Test
    void a_copy_outside_memory_is_an_error_naming_the_entry() {
        list(PAGE, 63 * PAGE | IND_DESTINATION, 10 * PAGE | IND_SOURCE, 10 * PAGE | IND_SOURCE);
        PageListWalker.WalkException e = catchThrowableOfType(PageListWalker.WalkException.class,
                () -> PageListWalker.walk(memory, PAGE));
        assertThat(e.entryAddress()).isEqualTo(PAGE + 16);
        assertThat(e.entry()).isEqualTo(10 * PAGE | IND_SOURCE);
        assertThat(e.getMessage()).contains("SOURCE 0xa000").contains("copy 0xa000 -> 0x40000 outside memory");
    }

    @Test
    void budget_is_respected() {
        list(PAGE, 0, 0, 0, IND_DONE);
        assertThat(PageListWalker.walk(memory, PAGE, 4).entries()).isEqualTo(4);
        assertThat(catchThrowableOfType(PageListWalker.WalkException.class, () -> PageListWalker.walk(memory, PAGE, 3))).isNotNull();
    }

    @Test
    void a_contiguous_run_across_a_link_is_walked_in_bulk_with_the_counts_of_the_reference() {
        for (int p = 0; p < 4; p++) {
            fill((10 + p) * PAGE, 0xA0 + p);
        }
        list(PAGE, 30 * PAGE | IND_DESTINATION, 10 * PAGE | IND_SOURCE, 11 * PAGE | IND_SOURCE, 2 * PAGE | IND_INDIRECTION);
        list(2 * PAGE, 12 * PAGE | IND_SOURCE, 13 * PAGE | IND_SOURCE, IND_ZERO, IND_ZERO, IND_DONE);
        PageListWalker.Result r = PageListWalker.walk(memory, PAGE);
        assertThat(r).isEqualTo(new PageListWalker.Result(9, 4, 2, 1));
        for (int p = 0; p < 4; p++) {
            assertThat(byteAt((30 + p) * PAGE + 4095)).isEqualTo(0xA0 + p);
        }
        assertThat(memory.read(34 * PAGE, (int) (2 * PAGE))).containsOnly(0);
    }

    @Test
    void a_destination_just_above_its_source_repeats_the_first_page_as_page_by_page_does() {
        fill(10 * PAGE, 0xAA);
        fill(11 * PAGE, 0xBB);
        fill(12 * PAGE, 0xCC);
        // Page by page: 10 -> 11, then the new 11 (0xAA) -> 12. A bulk memmove would give 0xAA, 0xBB.
        list(PAGE, 11 * PAGE | IND_DESTINATION, 10 * PAGE | IND_SOURCE, 11 * PAGE | IND_SOURCE, IND_DONE);
        PageListWalker.walk(memory, PAGE);
        assertThat(byteAt(11 * PAGE)).isEqualTo(0xAA);
        assertThat(byteAt(12 * PAGE)).isEqualTo(0xAA);
    }

    @Test
    void a_destination_below_its_source_overlapping_it_gets_every_source_page_as_it_was() {
        fill(10 * PAGE, 0xAA);
        fill(11 * PAGE, 0xBB);
        fill(12 * PAGE, 0xCC);
        list(PAGE, 9 * PAGE | IND_DESTINATION, 10 * PAGE | IND_SOURCE, 11 * PAGE | IND_SOURCE, 12 * PAGE | IND_SOURCE, IND_DONE);
        assertThat(PageListWalker.walk(memory, PAGE).pagesCopied()).isEqualTo(3);
        assertThat(new int[] {byteAt(9 * PAGE), byteAt(10 * PAGE), byteAt(11 * PAGE), byteAt(12 * PAGE)})
                .containsExactly(0xAA, 0xBB, 0xCC, 0xCC);
    }

    @Test
    void a_run_stops_before_a_link_its_own_copy_overwrites() {
        // The entries at page 3's end run on into page 4, whose first slot links back to page 1; the
        // run's destination is page 4, so copying its first page replaces that link with page 10's
        // first word, IND_DONE, which is what the reference reads next.
        fill(10 * PAGE, 0xAA);
        memory.writeLong(10 * PAGE, IND_DONE);
        fill(11 * PAGE, 0xBB);
        list(3 * PAGE + 4080, 4 * PAGE | IND_DESTINATION, 10 * PAGE | IND_SOURCE, PAGE | IND_INDIRECTION);
        list(PAGE, 11 * PAGE | IND_SOURCE, IND_DONE);
        PhysicalMemory reference = PhysicalMemory.ofHeap(memory.size());
        reference.write(0, memory.read(0, (int) memory.size()));
        PageListWalker.Result r = PageListWalker.walk(memory, 3 * PAGE + 4080);
        assertThat(r).isEqualTo(new PageListWalker.Result(3, 1, 0, 0))
                .isEqualTo(PageListWalker.walkPageByPage(reference, 3 * PAGE + 4080));
        assertThat(byteAt(5 * PAGE)).as("page 11 not copied").isZero();
        assertThat(memory.segment().mismatch(reference.segment())).isEqualTo(-1);
    }
}
