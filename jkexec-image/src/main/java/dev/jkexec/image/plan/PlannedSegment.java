package dev.jkexec.image.plan;

import dev.jkexec.image.SegmentRole;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A segment the planner placed: what it holds, its destination range, and its bytes. The
 * purgatory's buffer is {@code null} in a layout (its bytes are generated from the final
 * addresses when the image is built).
 *
 * @param what        what the segment holds ({@code kernel}, {@code initrd}, {@code setup}, ...)
 * @param destination guest-physical start, page aligned
 * @param memsz       bytes reserved at the destination, page aligned
 * @param buffer      the bytes to copy (read-only), or {@code null} while not generated
 * @param role        what the segment is to the machine ({@link SegmentRole#ZERO_PAGE} for the Linux setup segment)
 */
public record PlannedSegment(String what, long destination, long memsz, MemorySegment buffer, SegmentRole role) {
    public PlannedSegment {
        Objects.requireNonNull(role, "role");
        if (buffer != null) {
            buffer = buffer.asReadOnly();
        }
    }

    /** A segment with no role ({@link SegmentRole#NONE}). */
    public PlannedSegment(String what, long destination, long memsz, MemorySegment buffer) {
        this(what, destination, memsz, buffer, SegmentRole.NONE);
    }

    /** Bytes copied, or -1 while the buffer is not generated. */
    public long bufsz() {
        return buffer == null ? -1 : buffer.byteSize();
    }

    public long end() {
        return destination + memsz;
    }
}
