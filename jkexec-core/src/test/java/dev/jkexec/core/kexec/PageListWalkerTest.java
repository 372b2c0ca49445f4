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

/** The reference walk on hand-built lists: flag order, skipped entries, bounds, cycles (spec §4.6). */
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
}
