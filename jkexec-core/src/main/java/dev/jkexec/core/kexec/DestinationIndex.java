package dev.jkexec.core.kexec;

import java.util.Arrays;
import java.util.List;

/**
 * The destination ranges of an image, sorted, answering "is this page inside any destination?"
 * by binary search (Xen's {@code kimage_is_destination_range}). Mapping-only segments count: a
 * source or list page must not land in memory the image asked to have left alone.
 */
final class DestinationIndex {
    private final long[] starts;
    private final long[] ends;

    DestinationIndex(List<PhysicalRange> ranges) {
        PhysicalRange[] sorted = ranges.stream().filter(r -> !r.isEmpty()).toArray(PhysicalRange[]::new);
        Arrays.sort(sorted, (a, b) -> Long.compare(a.start(), b.start()));
        starts = new long[sorted.length];
        ends = new long[sorted.length];
        for (int i = 0; i < sorted.length; i++) {
            starts[i] = sorted[i].start();
            ends[i] = sorted[i].end();
        }
    }

    /** Whether {@code address} lies inside some destination range. */
    boolean contains(long address) {
        int i = Arrays.binarySearch(starts, address);
        if (i >= 0) {
            return true;
        }
        int before = -i - 2;
        return before >= 0 && address < ends[before];
    }
}
