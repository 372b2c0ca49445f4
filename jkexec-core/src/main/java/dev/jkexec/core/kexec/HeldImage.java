package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.ENOMEM;

import dev.jkexec.core.KexecException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A default image: its buffers copied into one off-heap block that jkexec owns, outside guest
 * memory (Xen keeps them in Xen heap pages, spec §3.1 step 9).
 *
 * <p>Ownership: the block belongs to this object, from load until {@link #close} (unload or
 * replacement); nobody else holds a reference, so the guest cannot reach it. A successful exec
 * copies it into staging pages and keeps it: the image stays loaded. The block size was limited
 * by {@link ImageRules#defaultImageSize} before it was allocated.
 */
final class HeldImage implements LoadedImage {
    private final ValidImage image;
    private final Arena arena;
    private final MemorySegment[] buffers;
    private final Sha256 sha256;
    private final List<PhysicalRange> extraMappings;
    private final boolean v1;

    private HeldImage(ValidImage image, Arena arena, MemorySegment[] buffers, List<PhysicalRange> extraMappings, boolean v1) {
        this.image = image;
        this.arena = arena;
        this.buffers = buffers;
        this.extraMappings = List.copyOf(extraMappings);
        this.v1 = v1;
        this.sha256 = digestNow();
    }

    /**
     * Copies the buffers of {@code image}. Every buffer is fetched (and so bounds checked) before
     * the block is allocated.
     */
    static HeldImage copyOf(ValidImage image, SegmentBuffers source, List<PhysicalRange> extraMappings, boolean v1) {
        List<SegmentDescriptor> segs = image.segments();
        MemorySegment[] from = Buffers.fetch(image, source);
        long total = 0;
        for (SegmentDescriptor s : segs) {
            total += s.copiedBytes();
        }
        Arena arena = Arena.ofShared();
        MemorySegment block;
        try {
            block = arena.allocate(Math.max(total, 1), KexecConfig.PAGE_SIZE);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new KexecException(ENOMEM, "segments", "cannot hold 0x" + Long.toHexString(total) + " bytes of default image");
        }
        dev.jkexec.platform.BootProfile.mark("load: held block allocated (" + (total >> 20) + " MiB)");
        MemorySegment[] held = new MemorySegment[segs.size()];
        long at = 0;
        for (int i = 0; i < segs.size(); i++) {
            if (from[i] != null) {
                long n = from[i].byteSize();
                MemorySegment.copy(from[i], 0, block, at, n);
                held[i] = block.asSlice(at, n).asReadOnly();
                at += n;
            }
        }
        dev.jkexec.platform.BootProfile.mark("load: image copied into the held block");
        return new HeldImage(image, arena, held, extraMappings, v1);
    }

    /** The held bytes of segment {@code index}, or {@code null} for a mapping-only segment. */
    MemorySegment buffer(int index) {
        return buffers[index];
    }

    @Override
    public ValidImage image() {
        return image;
    }

    @Override
    public Sha256 sha256() {
        return sha256;
    }

    @Override
    public List<PhysicalRange> extraMappings() {
        return extraMappings;
    }

    @Override
    public boolean v1() {
        return v1;
    }

    @Override
    public Sha256 digestNow() {
        ImageDigest d = new ImageDigest();
        List<SegmentDescriptor> segs = image.segments();
        for (int i = 0; i < segs.size(); i++) {
            SegmentDescriptor s = segs.get(i);
            if (s.buffered()) {
                d.update(buffers[i]).updateZeros(s.destSize() - s.bufSize());
            }
        }
        return d.finish();
    }

    @Override
    public void close() {
        arena.close();
    }
}
