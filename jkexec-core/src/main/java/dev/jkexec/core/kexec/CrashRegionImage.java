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
 * step 9). Besides the numbers and the digest, a pristine copy of every segment buffer is kept
 * in jkexec's own off-heap memory, which the guest cannot reach.
 *
 * <p>Ownership: the crash region belongs to whichever crash image is loaded; there is one
 * region, so a successful crash load <em>replaces</em> the previous crash image's bytes (bytes of
 * it outside the new destinations stay, unscrubbed, as in Xen). Unlike Xen (spec §8.4, §8.5),
 * nothing is written before every rule passed and every buffer was copied, so a refused load
 * leaves the live crash image intact.
 *
 * <p>Why the pristine copy: the guest can still write the crash region (it is ordinary RAM to
 * QEMU), so at a crash the region must be proven to hold what was loaded. Comparing it with the
 * copy ({@link MemorySegment#mismatch}, memory bandwidth) proves byte equality, which is at least
 * as strong as the SHA-256 it replaces on the crash path (40–70 ms for ~60 MB on a loaded core,
 * against a few ms for the compare). The digest is still taken once, of the pristine bytes at
 * load, and is the one reported ({@link #sha256}); {@link #digestNow} answers it when the region
 * equals the copy (equal bytes have equal digests) and hashes the region only when it does not,
 * to name the damage.
 */
final class CrashRegionImage implements LoadedImage {
    /** What a segment's tail (after its buffer, to {@code dest_size}) is compared against, a chunk at a time. */
    private static final MemorySegment ZEROS = Arena.global().allocate(1 << 20);

    private final ValidImage image;
    private final PhysicalMemory memory;
    private final Sha256 sha256;
    private final List<PhysicalRange> extraMappings;
    private final boolean v1;
    /** What the firmware rewrites on the vCPU before the entry ({@link RefreshRanges}), found at load; empty: nothing can be stale. */
    private final List<PhysicalRange> refresh;
    /** Owns {@link #pristine}; closed with the image. Shared: the crash path compares on its digest-ahead thread. */
    private final Arena pristineArena;
    /** Segment i's buffer as loaded ({@code null} for a mapping-only segment), outside guest memory. */
    private final MemorySegment[] pristine;

    private CrashRegionImage(ValidImage image, PhysicalMemory memory, List<PhysicalRange> extraMappings, boolean v1,
                             List<PhysicalRange> refresh, Arena pristineArena, MemorySegment[] pristine) {
        this.image = image;
        this.memory = memory;
        this.extraMappings = List.copyOf(extraMappings);
        this.v1 = v1;
        this.refresh = List.copyOf(refresh);
        this.pristineArena = pristineArena;
        this.pristine = pristine;
        this.sha256 = digestOfPristine();
    }

    /**
     * Writes {@code image} into the crash region. Every buffer is first copied into the image's
     * pristine copy (a buffer that lies in the crash region itself, or in a file's mapping that
     * could be truncated, is thereby read before the region is touched), and the region is written
     * from that copy, so the region, the copy and the digest hold the same bytes.
     */
    static CrashRegionImage write(ValidImage image, SegmentBuffers source, PhysicalMemory memory, PhysicalRange crash,
                                  List<PhysicalRange> extraMappings, boolean v1) {
        return write(image, source, memory, crash, extraMappings, v1, () -> true);
    }

    /**
     * {@link #write(ValidImage, SegmentBuffers, PhysicalMemory, PhysicalRange, List, boolean)}, asking
     * {@code vcpusMayHaveRun} once the region is written whether the firmware must refresh it
     * ({@link #refreshRanges} says when it need not).
     */
    static CrashRegionImage write(ValidImage image, SegmentBuffers source, PhysicalMemory memory, PhysicalRange crash,
                                  List<PhysicalRange> extraMappings, boolean v1, java.util.function.BooleanSupplier vcpusMayHaveRun) {
        MemorySegment[] from = Buffers.fetch(image, source);
        List<SegmentDescriptor> segs = image.segments();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment[] pristine = new MemorySegment[from.length];
            for (int i = 0; i < from.length; i++) {
                if (from[i] != null) {
                    MemorySegment buffer = from[i];
                    try {
                        pristine[i] = copyAside(arena, buffer);
                    } catch (InternalError fault) {
                        // A file's mapping (the toolstack maps the kernel and the initrd) truncated since: named.
                        throw dev.jkexec.platform.MappedFiles.faulted(fault, buffer).map(RuntimeException.class::cast).orElseThrow(() -> fault);
                    }
                }
            }
            dev.jkexec.platform.BootProfile.mark("crash load: pristine copy made");
            // Commit point: every rule passed and every buffer is copied. Nothing below can fail,
            // since the rules put every buffered destination inside the crash region.
            for (int i = 0; i < segs.size(); i++) {
                SegmentDescriptor s = segs.get(i);
                if (s.buffered()) {
                    memory.write(s.dest(), pristine[i]);
                    memory.zero(s.dest() + s.bufSize(), s.destSize() - s.bufSize());
                }
            }
            dev.jkexec.platform.BootProfile.mark("crash load: region written");
            // Asked after the write: a vCPU started during it could have translated half-written bytes.
            List<PhysicalRange> refresh = vcpusMayHaveRun.getAsBoolean() ? RefreshRanges.of(segs, pristine) : List.of();
            return new CrashRegionImage(image, memory, extraMappings, v1, refresh, arena, pristine);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static MemorySegment copyAside(Arena arena, MemorySegment buffer) {
        try {
            return arena.allocate(Math.max(buffer.byteSize(), 1)).asSlice(0, buffer.byteSize()).copyFrom(buffer);
        } catch (OutOfMemoryError e) {
            throw new KexecException(ENOMEM, "segments", "cannot keep a pristine copy of a segment buffer of 0x"
                    + Long.toHexString(buffer.byteSize()) + " bytes outside guest memory");
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

    /**
     * The ranges the firmware must rewrite on the vCPU before entering this image: its non-zero
     * pages ({@link RefreshRanges}), or none when no translation older than the image's bytes can exist.
     *
     * <p>The rule. The refresh exists because the host writes the region behind TCG's back: code
     * the vCPU translated from those addresses <em>before</em> the write would still run as it was.
     * TCG translates only what a vCPU executes, and QEMU starts with its vCPUs paused and no
     * translated code. So if no guest instruction had executed in the machine when the write was
     * over (asked then), no translation can predate the bytes, and there is
     * nothing to refresh. Translations made <em>after</em> the write are of these very bytes, and
     * every later change the guest makes to them — a vCPU store, a device's DMA — goes through
     * QEMU, which drops the translations it overlaps; the compare at the crash proves the bytes are
     * still the image's. The only later host writes are the ELF core header's rewrite at the gate
     * (data the crash kernel reads, never executes — the same argument as for the zero pages) and
     * the next load, which asks again. A crash kernel that ran from the region, or anything the
     * machine ran, makes that next load refresh: the vCPUs have run by then. Whoever cannot tell
     * whether the vCPUs ran answers "may have" ({@link Kexec#Kexec(KexecConfig, PhysicalMemory)}).
     */
    List<PhysicalRange> refreshRanges() {
        return refresh;
    }


    @Override
    public boolean v1() {
        return v1;
    }

    /**
     * The digest of the crash region's image bytes as they are now: the load digest when every
     * buffered destination range equals the pristine copy (then the bytes are the ones it was
     * taken of), else the region's own SHA-256.
     */
    @Override
    public Sha256 digestNow() {
        return intact() ? sha256 : digestOfRegion();
    }

    /** Whether every buffered destination holds its pristine buffer, then zeros to {@code dest_size}. */
    boolean intact() {
        List<SegmentDescriptor> segs = image.segments();
        for (int i = 0; i < segs.size(); i++) {
            SegmentDescriptor s = segs.get(i);
            if (!s.buffered()) {
                continue;
            }
            if (memory.slice(s.dest(), s.bufSize()).mismatch(pristine[i]) != -1) {
                return false;
            }
            long tail = s.destSize() - s.bufSize();
            for (long at = 0; at < tail; at += ZEROS.byteSize()) {
                long n = Math.min(ZEROS.byteSize(), tail - at);
                if (memory.slice(s.dest() + s.bufSize() + at, n).mismatch(ZEROS.asSlice(0, n)) != -1) {
                    return false;
                }
            }
        }
        return true;
    }

    private Sha256 digestOfPristine() {
        return ImageDigest.ofSegments(image.segments(), pristine);
    }

    private Sha256 digestOfRegion() {
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
        // The bytes stay in the crash region, as Xen leaves them; only jkexec's copy is freed.
        pristineArena.close();
    }
}
