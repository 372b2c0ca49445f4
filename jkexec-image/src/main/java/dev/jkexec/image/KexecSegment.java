package dev.jkexec.image;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One segment of a kexec image, as Xen's {@code xen_kexec_segment}: {@code buffer} bytes copied to
 * {@code destination}, followed by zeros up to {@code destinationSize}.
 *
 * <p>A {@code null} buffer is a "mapping only" segment: nothing is copied, the range is only
 * identity mapped for the image (how kexec-tools asks Xen to map low memory). The buffer is
 * never modified by anyone after construction; owners hand out read-only views.
 *
 * @param buffer          the bytes to load, or {@code null} for a mapping-only segment
 * @param destination     guest-physical start; page aligned in any valid image
 * @param destinationSize bytes reserved at the destination; page aligned, at least the buffer size
 * @param what            what the segment holds, for people ({@code "kernel"}, {@code "initrd"}, ...)
 * @param role            what the segment is to the machine, where the toolstack knows it
 */
public record KexecSegment(MemorySegment buffer, long destination, long destinationSize, String what, SegmentRole role) {
    public KexecSegment {
        Objects.requireNonNull(what, "what");
        Objects.requireNonNull(role, "role");
        if (buffer != null) {
            buffer = buffer.asReadOnly();
        }
    }

    /** A segment with no role ({@link SegmentRole#NONE}). */
    public KexecSegment(MemorySegment buffer, long destination, long destinationSize, String what) {
        this(buffer, destination, destinationSize, what, SegmentRole.NONE);
    }

    /** Bytes copied from the buffer ({@code buf_size}); 0 for a mapping-only segment. */
    public long bufferSize() {
        return buffer == null ? 0 : buffer.byteSize();
    }

    /** Exclusive end of the destination range. */
    public long destinationEnd() {
        return destination + destinationSize;
    }
}
