package dev.jkexec.image.plan;

import java.lang.foreign.MemorySegment;

/**
 * A segment the planner placed: what it holds, its destination range, and its bytes. The
 * purgatory's buffer is {@code null} in a layout (its bytes are generated from the final
 * addresses when the image is built).
 *
 * @param what        what the segment holds ({@code kernel}, {@code initrd}, {@code setup}, ...)
 * @param destination guest-physical start, page aligned
 * @param memsz       bytes reserved at the destination, page aligned
 * @param buffer      the bytes to copy (read-only), or {@code null} while not generated
 */
public record PlannedSegment(String what, long destination, long memsz, MemorySegment buffer) {
    public PlannedSegment {
        if (buffer != null) {
            buffer = buffer.asReadOnly();
        }
    }

    /** Bytes copied, or -1 while the buffer is not generated. */
    public long bufsz() {
        return buffer == null ? -1 : buffer.byteSize();
    }

    public long end() {
        return destination + memsz;
    }
}
