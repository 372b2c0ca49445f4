package dev.jkexec.core.kexec;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** Fetches every buffer of an accepted image up front, so that a bad one fails before any write. */
final class Buffers {
    private Buffers() {
    }

    /** One entry per segment: its buffer, or {@code null} for mapping-only segments. */
    static MemorySegment[] fetch(ValidImage image, SegmentBuffers source) {
        List<SegmentDescriptor> segs = image.segments();
        MemorySegment[] out = new MemorySegment[segs.size()];
        for (int i = 0; i < segs.size(); i++) {
            SegmentDescriptor s = segs.get(i);
            if (s.buffered()) {
                MemorySegment b = source.buffer(i);
                if (b == null || b.byteSize() != s.bufSize()) {
                    throw new IllegalArgumentException("segments[" + i + "]: buffer of "
                            + (b == null ? "null" : b.byteSize() + " bytes") + " for buf_size " + s.bufSize());
                }
                out[i] = b;
            }
        }
        return out;
    }
}
