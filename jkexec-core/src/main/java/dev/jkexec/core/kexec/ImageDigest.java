package dev.jkexec.core.kexec;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 of a loaded image, one definition for both types: for every <em>buffered</em>
 * segment, in segment order, its destination content — the {@code buf_size} buffer bytes, then
 * zeros up to {@code dest_size}. Mapping-only segments contribute nothing.
 *
 * <p>A default image's digest is taken once at load from the bytes jkexec holds; a crash image's
 * from the crash region right after it was written, and again at exec from what the region holds
 * then (a guest could have written there). Memory is fed to {@link MessageDigest} as
 * {@link ByteBuffer} views, in chunks; segments that cannot be viewed as one (heap memory that is
 * not a {@code byte[]}) are bulk-copied through a scratch buffer. Never a per-byte loop.
 */
public final class ImageDigest {
    private static final int CHUNK = 1 << 20;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(CHUNK).asReadOnlyBuffer();

    private final MessageDigest md;
    private byte[] scratch;

    public ImageDigest() {
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every Java platform has SHA-256", e);
        }
    }

    /** Adds the bytes of {@code segment}. */
    public ImageDigest update(MemorySegment segment) {
        long size = segment.byteSize();
        for (long at = 0; at < size; at += CHUNK) {
            MemorySegment chunk = segment.asSlice(at, Math.min(CHUNK, size - at));
            ByteBuffer view;
            try {
                view = chunk.asByteBuffer();
            } catch (UnsupportedOperationException notViewable) {
                if (scratch == null) {
                    scratch = new byte[CHUNK];
                }
                MemorySegment.copy(chunk, 0, MemorySegment.ofArray(scratch), 0, chunk.byteSize());
                view = ByteBuffer.wrap(scratch, 0, (int) chunk.byteSize());
            }
            md.update(view);
        }
        return this;
    }

    /** Adds {@code count} zero bytes. */
    public ImageDigest updateZeros(long count) {
        for (long left = count; left > 0; left -= CHUNK) {
            md.update(ZEROS.duplicate().limit((int) Math.min(CHUNK, left)));
        }
        return this;
    }

    public Sha256 finish() {
        return new Sha256(md.digest());
    }

    /**
     * The image digest of {@code segments} whose bytes are {@code buffers} (index for index): each
     * buffered segment's bytes, then its zero tail up to its destination size; mapping-only segments
     * add nothing. The digest a load takes, and what a held or crash image is checked against.
     */
    public static Sha256 ofSegments(java.util.List<SegmentDescriptor> segments, MemorySegment[] buffers) {
        ImageDigest d = new ImageDigest();
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor s = segments.get(i);
            if (s.buffered()) {
                d.update(buffers[i]).updateZeros(s.destSize() - s.bufSize());
            }
        }
        return d.finish();
    }

    /** SHA-256 of a whole segment, for tests and tools. */
    public static Sha256 of(MemorySegment segment) {
        return new ImageDigest().update(segment).finish();
    }
}
