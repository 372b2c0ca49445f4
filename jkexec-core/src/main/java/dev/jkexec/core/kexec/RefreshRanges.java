package dev.jkexec.core.kexec;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a crash image the firmware must rewrite on the vCPU before entering it: the pages
 * of its buffered destinations that hold anything but zeros as loaded, as at most
 * {@link #MAX_RANGES} ranges.
 *
 * <p>Why the refresh exists: jkexec writes a crash image into guest RAM from outside, which QEMU's
 * TCG does not see, so translated code it still holds for those pages (from whatever the old guest
 * executed there) could run instead of the image. Reading and writing back every quadword on the
 * vCPU makes TCG drop every translation overlapping it.
 *
 * <p>Why pages of zeros can be left out: a stale translation runs only if the vCPU executes at its
 * address. The image's digest is verified before it is entered, so those pages still hold zeros
 * then, and the verified image's code does not execute bytes it was loaded with as zeros (bss,
 * the brk and scratch areas, alignment padding, the empty backup region); code it puts there later
 * it writes on the vCPU first, and that write drops the translations it overlaps. The stale-code
 * guarantee — no translation of anything but the verified image runs — is the same; what is no
 * longer rewritten is memory no verified instruction is fetched from. The decompressed 6.1 kernel's
 * fourth load segment (.init.*, .data, .bss, .brk) is 94% such pages: with them left out the
 * refresh rewrites about half the bytes it did.
 *
 * <p>Ranges closer than the others are merged (the gap between them refreshed too, harmlessly)
 * until at most {@link #MAX_RANGES} remain: the handover block's table has that many rows.
 */
final class RefreshRanges {
    /** Rows of the handover block's refresh table. */
    static final int MAX_RANGES = 16;
    private static final int PAGE = (int) KexecConfig.PAGE_SIZE;

    private RefreshRanges() {
    }

    /**
     * The non-zero pages of each buffered segment, {@code buffers[i]} being segment {@code i}'s
     * bytes (its destination beyond them is zeros); pages are counted from each destination's start.
     */
    static List<PhysicalRange> of(List<SegmentDescriptor> segments, MemorySegment[] buffers) {
        List<long[]> runs = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor s = segments.get(i);
            if (!s.buffered() || s.destSize() == 0) {
                continue;
            }
            MemorySegment buffer = buffers[i];
            long data = Math.min(s.bufSize(), s.destSize());
            for (long at = 0; at < data; at += PAGE) {
                long len = Math.min(PAGE, data - at);
                if (PageListBuilder.allZeros(buffer.asSlice(at, len))) {
                    continue;
                }
                long start = s.dest() + at;
                long end = s.dest() + Math.min(at + PAGE, s.destSize());
                long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
                if (last != null && last[1] == start) {
                    last[1] = end;
                } else {
                    runs.add(new long[] {start, end});
                }
            }
        }
        runs.sort((a, b) -> Long.compare(a[0], b[0]));
        while (runs.size() > MAX_RANGES) {
            int closest = 0;
            for (int i = 1; i < runs.size() - 1; i++) {
                if (runs.get(i + 1)[0] - runs.get(i)[1] < runs.get(closest + 1)[0] - runs.get(closest)[1]) {
                    closest = i;
                }
            }
            runs.get(closest)[1] = Math.max(runs.get(closest)[1], runs.get(closest + 1)[1]);
            runs.remove(closest + 1);
        }
        return runs.stream().map(r -> new PhysicalRange(r[0], r[1] - r[0])).toList();
    }
}
