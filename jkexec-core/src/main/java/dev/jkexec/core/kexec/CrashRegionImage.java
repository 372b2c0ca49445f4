package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.ENOMEM;

import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A crash image: written at load straight into the crash region of physical memory, each
 * buffered segment at its destination followed by zeros up to {@code dest_size} (spec §3.1
 * step 9). Only the numbers and the digest are kept.
 *
 * <p>Ownership: the crash region belongs to whichever crash image is loaded; there is one
 * region, so a successful crash load <em>replaces</em> the previous crash image's bytes (bytes of
 * it outside the new destinations stay, unscrubbed, as in Xen). Unlike Xen (spec §8.4, §8.5),
 * nothing is written before every rule passed and every buffer was fetched, so a refused load
 * leaves the live crash image intact. The guest can still write the region (it is ordinary RAM
 * to QEMU), which is why exec re-hashes it ({@link #digestNow}).
 */
final class CrashRegionImage implements LoadedImage {
    private final ValidImage image;
    private final PhysicalMemory memory;
    private final Sha256 sha256;
    private final List<PhysicalRange> extraMappings;
    private final boolean v1;
    /** What the firmware rewrites on the vCPU before the entry ({@link RefreshRanges}), found at load. */
    private final List<PhysicalRange> refresh;

    private CrashRegionImage(ValidImage image, PhysicalMemory memory, List<PhysicalRange> extraMappings, boolean v1,
                             List<PhysicalRange> refresh) {
        this.image = image;
        this.memory = memory;
        this.extraMappings = List.copyOf(extraMappings);
        this.v1 = v1;
        this.refresh = List.copyOf(refresh);
        this.sha256 = digestNow();
    }

    /**
     * Writes {@code image} into the crash region. Buffers that lie inside the crash region
     * themselves (a guest pointing into hidden memory) are first copied aside, so writing one
     * segment can never change another's source.
     */
    static CrashRegionImage write(ValidImage image, SegmentBuffers source, PhysicalMemory memory, PhysicalRange crash,
                                  List<PhysicalRange> extraMappings, boolean v1) {
        MemorySegment[] from = Buffers.fetch(image, source);
        List<SegmentDescriptor> segs = image.segments();
        try (Arena aside = Arena.ofConfined()) {
            if (!crash.isEmpty()) {
                MemorySegment region = memory.slice(crash.start(), crash.size());
                for (int i = 0; i < from.length; i++) {
                    if (from[i] != null && from[i].asOverlappingSlice(region).isPresent()) {
                        from[i] = copyAside(aside, from[i]);
                    }
                }
            }
            // A file's mapping (the toolstack maps the kernel and the initrd) is copied aside too: a
            // file truncated since faults here, before the crash region (and the image in it) is touched.
            for (int i = 0; i < from.length; i++) {
                if (from[i] != null && from[i].isMapped()) {
                    MemorySegment mapped = from[i];
                    try {
                        from[i] = copyAside(aside, mapped);
                    } catch (InternalError fault) {
                        throw dev.jkexec.platform.MappedFiles.faulted(fault, mapped).map(RuntimeException.class::cast).orElseThrow(() -> fault);
                    }
                }
            }
            // Commit point: every rule passed and every buffer is at hand. Nothing below can fail,
            // since the rules put every buffered destination inside the crash region.
            for (int i = 0; i < segs.size(); i++) {
                SegmentDescriptor s = segs.get(i);
                if (s.buffered()) {
                    memory.write(s.dest(), from[i]);
                    memory.zero(s.dest() + s.bufSize(), s.destSize() - s.bufSize());
                }
            }
            return new CrashRegionImage(image, memory, extraMappings, v1, RefreshRanges.of(segs, from));
        }
    }

    private static MemorySegment copyAside(Arena arena, MemorySegment buffer) {
        try {
            return arena.allocate(Math.max(buffer.byteSize(), 1)).asSlice(0, buffer.byteSize()).copyFrom(buffer);
        } catch (OutOfMemoryError e) {
            throw new KexecException(ENOMEM, "segments", "cannot copy aside a buffer of 0x"
                    + Long.toHexString(buffer.byteSize()) + " bytes that lies in the crash region");
        }
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

    /** The ranges the firmware must rewrite on the vCPU before entering this image (its non-zero pages). */
    List<PhysicalRange> refreshRanges() {
        return refresh;
    }

    @Override
    public boolean v1() {
        return v1;
    }

    /** Hashes each buffered destination range as the crash region holds it now. */
    @Override
    public Sha256 digestNow() {
        ImageDigest d = new ImageDigest();
        for (SegmentDescriptor s : image.segments()) {
            if (s.buffered()) {
                d.update(memory.slice(s.dest(), s.destSize()));
            }
        }
        return d.finish();
    }

    @Override
    public void close() {
        // Nothing held: the bytes stay in the crash region, as Xen leaves them.
    }
}
