package dev.jkexec.core.kexec;

import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.SegmentRole;

/**
 * One segment as the rules see it: the numbers of a {@code xen_kexec_segment} (spec §2.1), no
 * bytes. The values are the ABI's {@code u64}s held in Java {@code long}s and compared unsigned,
 * so a hostile value is reported as sent, never reinterpreted.
 *
 * @param buffered {@code buf != NULL}; {@code false} is a mapping-only segment (nothing copied)
 * @param bufSize  {@code buf_size}: bytes copied to the destination (ignored when not buffered,
 *                 but still checked against {@code dest_size}, as Xen does)
 * @param dest     {@code dest_maddr}
 * @param destSize {@code dest_size}
 * @param what     what the segment holds, for people; not part of any rule
 * @param role     what the segment is to the machine: from a toolstack image's segment; always
 *                 {@link SegmentRole#NONE} from the raw ABI, whose segments carry no role; not part of any rule
 */
public record SegmentDescriptor(boolean buffered, long bufSize, long dest, long destSize, String what, SegmentRole role) {
    public SegmentDescriptor {
        what = what == null ? "" : what;
        role = role == null ? SegmentRole.NONE : role;
    }

    /** A segment with no role: what the raw ABI and the v1 indirection list describe. */
    public SegmentDescriptor(boolean buffered, long bufSize, long dest, long destSize, String what) {
        this(buffered, bufSize, dest, destSize, what, SegmentRole.NONE);
    }

    /** The numbers of a toolstack segment. */
    public static SegmentDescriptor of(KexecSegment s) {
        return new SegmentDescriptor(s.buffer() != null, s.bufferSize(), s.destination(), s.destinationSize(), s.what(), s.role());
    }

    /** Bytes actually copied: {@code bufSize} for a buffered segment, 0 otherwise. */
    public long copiedBytes() {
        return buffered ? bufSize : 0;
    }

    /** Exclusive destination end (valid once {@link ImageRules#destinationsAligned} passed). */
    public long destEnd() {
        return dest + destSize;
    }

    /** The destination range (valid once the destination rules passed). */
    public PhysicalRange destination() {
        return new PhysicalRange(dest, destSize);
    }
}
