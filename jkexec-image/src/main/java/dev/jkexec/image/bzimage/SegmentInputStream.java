package dev.jkexec.image.bzimage;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/** An {@link InputStream} over a memory segment, with bulk reads; lets stream decompressors read a payload without a copy. */
public final class SegmentInputStream extends InputStream {
    private final MemorySegment segment;
    private long position;

    public SegmentInputStream(MemorySegment segment) {
        this.segment = segment;
    }

    @Override
    public int read() {
        return position < segment.byteSize() ? Byte.toUnsignedInt(segment.get(ValueLayout.JAVA_BYTE, position++)) : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        long left = segment.byteSize() - position;
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(len, left);
        // Segment to segment: the copy into an array spins a class at every JVM start (the JDK's
        // Utils.BaseAndScale pattern switch; no AOT cache keeps it) at the decompressor's first read
        // (docs/boot-profile.md, branch cliwindow).
        MemorySegment.copy(segment, position, MemorySegment.ofArray(b), off, n);
        position += n;
        return n;
    }

    @Override
    public long skip(long n) {
        long k = Math.max(0, Math.min(n, segment.byteSize() - position));
        position += k;
        return k;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, segment.byteSize() - position);
    }
}
