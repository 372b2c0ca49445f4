package dev.jkexec.core.crash;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.ByteView;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.crash.VmcoreInfo;
import dev.jkexec.image.crash.VmcoreInfoNote;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds a Linux guest's VMCOREINFO note in its RAM, without the guest's help: guest RAM is shared
 * memory, so jkexec scans it. A candidate is an ELF note named {@code VMCOREINFO} with type 0
 * whose text starts with {@code OSRELEASE=} and passes {@link VmcoreInfoNote#decode}'s checks.
 *
 * <p>Order: the address the guest left as a hint (if any), then every page start (Linux since 4.15
 * allocates the note page-aligned, {@code alloc_pages_exact}), and only when that finds nothing
 * every 4-byte-aligned address (older kernels kept it in .bss). Each step reads one word per
 * position of the mapped segment; no byte copies until a header matches.
 */
public final class VmcoreInfoFinder {
    private VmcoreInfoFinder() {
    }

    /** A valid note and where it is. */
    public record Candidate(long address, VmcoreInfo info, String how) {
    }

    /**
     * Every valid note, best first: the hint's, then the page-aligned ones in address order (or the
     * 4-byte-aligned ones when there is no page-aligned one).
     *
     * @param hint guest-physical address the guest reported, or -1
     */
    /** The note at the guest's hint alone, or {@code null}: no scan, so its cost does not grow with RAM. */
    public static Candidate hinted(PhysicalMemory memory, List<MemoryRange> ram, long hint) {
        return hint >= 0 && inRam(ram, hint) ? at(memory, hint, "the guest's hint") : null;
    }

    public static List<Candidate> find(PhysicalMemory memory, List<MemoryRange> ram, long hint) {
        List<Candidate> out = new ArrayList<>();
        if (hint >= 0 && inRam(ram, hint)) {
            Candidate c = at(memory, hint, "the guest's hint");
            if (c != null) {
                out.add(c);
            }
        }
        scan(memory, ram, 4096, hint, out);
        if (out.isEmpty()) {
            scan(memory, ram, 4, hint, out);
        }
        return out;
    }

    private static void scan(PhysicalMemory memory, List<MemoryRange> ram, long step, long hint, List<Candidate> out) {
        for (MemoryRange r : ram) {
            long start = (r.start() + step - 1) / step * step;
            long end = r.end() - VmcoreInfoNote.DESC_OFFSET;
            if (end <= start || !memory.contains(r.start(), r.size())) {
                continue;
            }
            MemorySegment s = memory.slice(r.start(), r.size());
            long base = r.start();
            // Only the memory's data runs: a page the guest never wrote holds no note, and reading
            // it would allocate it in a sparse RAM file.
            long a = start;
            while (a < end) {
                long data = memory.nextData(a, r.end() - a);
                long runEnd = data < r.end() ? memory.dataEnd(data, r.end() - data) : r.end();
                a = Math.max(a, (data + step - 1) / step * step);
                for (; a < Math.min(end, runEnd); a += step) {
                    if (s.get(ByteView.U32, a - base) == VmcoreInfoNote.NAMESZ && a != hint
                            && VmcoreInfoNote.looksLikeNote(s, a - base)) {
                        Candidate c = at(memory, a, step == 4096 ? "a page-aligned scan" : "a 4-byte-aligned scan");
                        if (c != null) {
                            out.add(c);
                        }
                    }
                }
                a = Math.max(a, (runEnd + step - 1) / step * step);
            }
        }
    }

    private static Candidate at(PhysicalMemory memory, long address, String how) {
        try {
            MemorySegment s = memory.slice(address, Math.min(memory.pieceEnd(address) - address,
                    VmcoreInfoNote.DESC_OFFSET + VmcoreInfo.MAX_TEXT));
            return new Candidate(address, VmcoreInfoNote.decode(s, 0), how);
        } catch (VmcoreInfo.FormatException | PhysicalMemory.OutOfRangeException e) {
            return null;
        }
    }

    private static boolean inRam(List<MemoryRange> ram, long a) {
        return ram.stream().anyMatch(r -> r.contains(a));
    }
}
