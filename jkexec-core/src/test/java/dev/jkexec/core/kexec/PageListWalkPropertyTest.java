package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * The walk jkexec uses ({@link PageListWalker#walk}, runs in bulk) is the reference walk
 * ({@link PageListWalker#walkPageByPage}): on random lists over random memory it leaves every byte
 * as the reference does and returns the same result, or fails with the same entry address, entry
 * and message. The lists are made to hit what could tell the two apart: long contiguous SOURCE
 * runs, crossing INDIRECTION links in mid-run; ZERO runs; destinations just above, on and below
 * their sources (overlapping runs in both directions); runs that overwrite the list pages being
 * read, or the links; entries straddling pages or lying in a split memory's hole; sources and
 * destinations running off memory; cycles; small entry budgets.
 */
@Pure
class PageListWalkPropertyTest {
    private static final long PAGE = 4096;
    private static final int PAGES = 48;
    /** Addresses are drawn over one page more than memory has, so some fall outside it. */
    private static final int ADDRESS_PAGES = PAGES + 1;

    /** One 8-byte write that lays down the list. */
    private record Write(long address, long value) {
    }

    @Property(tries = 2000)
    void runs_in_bulk_change_nothing(@ForAll long seed) {
        Random r = new Random(seed);
        boolean split = r.nextInt(4) == 0;
        byte[] junk = new byte[(int) (PAGES * PAGE)];
        r.nextBytes(junk);
        List<Write> writes = new ArrayList<>();
        List<Integer> links = new ArrayList<>();
        long head = randomList(r, writes, links);
        // A third of the walks get a small budget, a third one that runs out on or next to a link.
        int b = r.nextInt(3);
        long budget = b == 0 ? 1 + r.nextInt(300)
                : b == 1 && !links.isEmpty() ? links.get(r.nextInt(links.size())) + r.nextInt(3) - 1 : Long.MAX_VALUE;

        PhysicalMemory reference = memory(split, junk, writes);
        PhysicalMemory bulk = memory(split, junk, writes);
        String expected = outcome(() -> budget == Long.MAX_VALUE
                ? PageListWalker.walkPageByPage(reference, head) : PageListWalker.walkPageByPage(reference, head, budget));
        String actual = outcome(() -> budget == Long.MAX_VALUE
                ? PageListWalker.walk(bulk, head) : PageListWalker.walk(bulk, head, budget));
        Statistics.label("outcome").collect(expected.startsWith("Result") ? "done"
                : expected.contains("no IND_DONE") ? "budget or cycle" : "outside memory");
        Statistics.label("memory").collect(split ? "split" : "flat");

        assertThat(actual).isEqualTo(expected);
        long diff = bulk.segment().mismatch(reference.segment());
        assertThat(diff).as("first differing byte at offset 0x%x", diff).isEqualTo(-1);
    }

    /**
     * Writes a list of random shape starting at a random list page and returns its head; adds to
     * {@code links} the ordinal (counting from 1, in writing order) of each link between list pages.
     */
    private static long randomList(Random r, List<Write> writes, List<Integer> links) {
        long listPage = page(r);
        long head = listPage + (r.nextInt(6) == 0 ? r.nextInt(4096) : 0);
        long at = head;
        int onThisPage = 1 + r.nextInt(r.nextBoolean() ? 8 : 520);
        long src = page(r);
        long dest = 0;
        int entries = 1 + r.nextInt(400);
        for (int i = 0; i < entries; i++) {
            if (onThisPage-- == 0) {
                listPage = r.nextInt(3) == 0 && dest != 0 ? dest + PAGE * (r.nextInt(3) - 1) : page(r);
                writes.add(new Write(at, listPage | IND_INDIRECTION));
                links.add(writes.size());
                at = listPage;
                onThisPage = 1 + r.nextInt(r.nextBoolean() ? 8 : 520);
            }
            long e;
            // Mostly stay inside memory, so that walks get far; sometimes run off its end.
            int kind = dest >= (PAGES - 1) * PAGE && r.nextInt(8) != 0 ? 60 : r.nextInt(100);
            if (kind < 55) {
                src = r.nextInt(12) == 0 || src >= (PAGES - 1) * PAGE && r.nextInt(8) != 0 ? page(r) : src + PAGE;
                e = src | IND_SOURCE | (r.nextInt(20) == 0 ? IND_ZERO : 0);
                dest += PAGE;
            } else if (kind < 67) {
                int near = r.nextInt(4);
                dest = near == 0 ? page(r) : near == 1 ? src + PAGE : near == 2 ? src + PAGE * (1 + r.nextInt(4)) : Math.max(0, src + PAGE - PAGE * r.nextInt(4));
                e = dest | IND_DESTINATION;
            } else if (kind < 85) {
                e = IND_ZERO | (r.nextInt(8) == 0 ? page(r) : 0);
                dest += PAGE;
            } else if (kind < 88) {
                e = page(r) | IND_INDIRECTION;
            } else if (kind < 90) {
                e = IND_DONE;
            } else {
                e = r.nextInt(3) == 0 ? 0 : 0x20;
            }
            writes.add(new Write(at, e));
            at += 8;
        }
        if (r.nextInt(4) != 0) {
            writes.add(new Write(at, IND_DONE));
        }
        return head;
    }

    private static long page(Random r) {
        return r.nextInt(ADDRESS_PAGES) * PAGE;
    }

    /** Memory holding {@code junk} and the list; a split one has a hole of 8 pages in the middle. */
    private static PhysicalMemory memory(boolean split, byte[] junk, List<Write> writes) {
        MemorySegment m = MemorySegment.ofArray(junk.clone());
        PhysicalMemory memory = split ? PhysicalMemory.split(m, PAGES / 2 * PAGE, (PAGES / 2 + 8) * PAGE) : PhysicalMemory.of(m);
        for (Write w : writes) {
            if (memory.contains(w.address(), 8)) {
                memory.writeLong(w.address(), w.value());
            }
        }
        return memory;
    }

    private static String outcome(java.util.function.Supplier<PageListWalker.Result> walk) {
        try {
            return walk.get().toString();
        } catch (PageListWalker.WalkException e) {
            return "walk stopped at 0x" + Long.toHexString(e.entryAddress()) + " entry 0x" + Long.toHexString(e.entry())
                    + ": " + e.getMessage();
        }
    }
}
