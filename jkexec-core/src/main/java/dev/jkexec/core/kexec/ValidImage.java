package dev.jkexec.core.kexec;

import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import java.util.List;

/**
 * An image every rule of {@link ImageRules} accepted: type and arch decoded, destinations page
 * aligned, addressable and disjoint, every buffer no larger than its destination, and (crash) all
 * buffered destinations inside the crash region. Only {@link ImageRules#check} makes one.
 */
public record ValidImage(ImageType type, Arch arch, long entry, List<SegmentDescriptor> segments) {
    public ValidImage {
        segments = List.copyOf(segments);
    }

    /** Destination ranges of the buffered segments, in segment order (empty ones left out). */
    public List<PhysicalRange> bufferedDestinations() {
        return segments.stream().filter(s -> s.buffered() && s.destSize() > 0).map(SegmentDescriptor::destination).toList();
    }

    /** Destination ranges of every segment, mapping-only ones included (empty ones left out). */
    public List<PhysicalRange> allDestinations() {
        return segments.stream().filter(s -> s.destSize() > 0).map(SegmentDescriptor::destination).toList();
    }

    /** Bytes the buffered segments cover at their destinations (buffer plus zero tail). */
    public long bufferedDestinationBytes() {
        return segments.stream().filter(SegmentDescriptor::buffered).mapToLong(SegmentDescriptor::destSize).sum();
    }
}
