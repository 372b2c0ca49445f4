package dev.jkexec.bench.micro;

import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.kexec.PageListWalker;
import dev.jkexec.platform.testing.Pure;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The coalescing walk the benchmark measures is the same walk: on random lists — contiguous runs,
 * destinations overlapping their sources, copies over the list page being read, entries off the
 * end of memory, cycles, small entry budgets — it leaves memory byte for byte as
 * {@link PageListWalker} does, with the same result, or fails at the same entry.
 */
@Pure
class CoalescingWalkPropertyTest {
    private static final long PAGE = 4096;
    private static final int PAGES = 40;

    @Property(tries = 300)
    void coalescingChangesNothing(@ForAll long seed, @ForAll @IntRange(min = 1, max = 300) int count,
                                  @ForAll @IntRange(min = 5, max = 400) int budget) {
        Random r = new Random(seed);
        byte[] junk = new byte[(int) (PAGES * PAGE)];
        r.nextBytes(junk);
        long head = r.nextInt(PAGES) * PAGE + (r.nextInt(8) == 0 ? 8L * r.nextInt(512) : 0);
        ByteBuffer b = ByteBuffer.wrap(junk).order(ByteOrder.LITTLE_ENDIAN);
        long src = r.nextInt(PAGES) * PAGE;
        for (int i = 0; i < count && head + 8L * i + 8 <= junk.length; i++) {
            int kind = r.nextInt(100);
            long e;
            if (kind < 60) {
                src = r.nextInt(4) == 0 ? r.nextInt(PAGES + 2) * PAGE : src + PAGE;
                e = src | IND_SOURCE | (r.nextInt(10) == 0 ? IND_ZERO : 0);
            } else if (kind < 72) {
                e = (r.nextInt(PAGES + 1) * PAGE) | IND_DESTINATION;
            } else if (kind < 80) {
                e = IND_ZERO;
            } else if (kind < 86) {
                e = (r.nextInt(PAGES) * PAGE) | IND_INDIRECTION;
            } else if (kind < 89) {
                e = IND_DONE;
            } else {
                e = r.nextInt(3) == 0 ? 0 : 0x20;
            }
            b.putLong((int) (head + 8L * i), e);
        }
        PhysicalMemory reference = PhysicalMemory.ofHeap(junk.length);
        reference.write(0, junk);
        PhysicalMemory coalesced = PhysicalMemory.ofHeap(junk.length);
        coalesced.write(0, junk);

        String expected;
        try {
            expected = PageListWalker.walk(reference, head, budget).toString();
        } catch (PageListWalker.WalkException e) {
            expected = "walk stopped at entry 0x" + Long.toHexString(e.entryAddress());
        }
        String actual;
        try {
            actual = CoalescingWalk.walk(coalesced, head, budget).toString();
        } catch (IllegalStateException e) {
            actual = e.getMessage();
        }
        assertThat(actual).isEqualTo(expected);
        assertThat(coalesced.read(0, junk.length)).isEqualTo(reference.read(0, junk.length));
    }
}
