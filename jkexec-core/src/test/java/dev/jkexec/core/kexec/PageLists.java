package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;
import static dev.jkexec.core.kexec.PageListEntry.PAGE_MASK;

import dev.jkexec.platform.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;

/** Test helper: reads a page list back without executing it, to check what the builder wrote. */
final class PageLists {
    private PageLists() {
    }

    /** One SOURCE entry with the destination it copies to. */
    record Source(long entryAddress, long source, long dest) {
    }

    /** A decoded list: list pages visited, SOURCE entries with their destinations, and every raw entry. */
    record Decoded(List<Long> listPages, List<Source> sources, List<Long> entries) {
    }

    static Decoded decode(PhysicalMemory memory, long head) {
        List<Long> pages = new ArrayList<>(List.of(head));
        List<Source> sources = new ArrayList<>();
        List<Long> entries = new ArrayList<>();
        long ptr = head;
        long dest = 0;
        for (int budget = 0; budget < 10_000_000; budget++) {
            long at = ptr;
            long e = memory.readLong(at);
            entries.add(e);
            ptr += 8;
            if ((e & IND_DESTINATION) != 0) {
                dest = e & PAGE_MASK;
            } else if ((e & IND_INDIRECTION) != 0) {
                ptr = e & PAGE_MASK;
                pages.add(ptr);
            } else if ((e & IND_DONE) != 0) {
                return new Decoded(pages, sources, entries);
            } else if ((e & IND_SOURCE) != 0) {
                sources.add(new Source(at, e & PAGE_MASK, dest));
                dest += 4096;
            } else if ((e & IND_ZERO) != 0) {
                dest += 4096;
            }
        }
        throw new AssertionError("list does not end");
    }
}
