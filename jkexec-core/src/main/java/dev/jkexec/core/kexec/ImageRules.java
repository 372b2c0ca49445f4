package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.EADDRNOTAVAIL;
import static dev.jkexec.core.Errno.EINVAL;
import static dev.jkexec.core.Errno.ENOMEM;

import dev.jkexec.core.KexecException;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import java.util.List;

/**
 * The load rules of Xen's {@code kexec_load} / {@code kimage_alloc} (spec §3.1), one named check
 * each, with Xen's errno, in Xen's order — plus the few jkexec adds. {@link #check} runs them all in
 * order; the first that fails throws a {@link KexecException} naming the field and its value.
 *
 * <ol>
 *   <li>{@link #segmentCount} at most {@link KexecImage#MAX_SEGMENTS} segments
 *       ({@link KexecImage#MAX_SEGMENTS_V1} for v1): -EINVAL</li>
 *   <li>{@link #type} 0 or 1: -EINVAL</li>
 *   <li>{@link #crashEntry} crash only: entry inside the crash region, end inclusive: -EADDRNOTAVAIL</li>
 *   <li>{@link #crashSegmentsInside} crash only: every <em>buffered</em> segment inside the region: -EADDRNOTAVAIL</li>
 *   <li>{@link #destinationsAligned} start and end of every destination page aligned: -EADDRNOTAVAIL</li>
 *   <li>{@link #destinationsAddressable} (jkexec) no destination wraps or ends above 2^52: -EADDRNOTAVAIL</li>
 *   <li>{@link #noOverlap} no two destinations intersect, mapping-only ones included: -EINVAL</li>
 *   <li>{@link #buffersFit} {@code buf_size <= dest_size}: -EINVAL</li>
 *   <li>{@link #arch} EM_X86_64 or EM_386: -EINVAL. Xen checks it only after writing a crash image
 *       into the crash region (§8.5); jkexec checks it before anything is written.</li>
 *   <li>{@link #defaultDestinationsLoadable} (jkexec) default only: buffered segments inside the
 *       guest's RAM, never over jkexec's own regions or QEMU's legacy window: -EADDRNOTAVAIL</li>
 *   <li>{@link #defaultImageSize} (jkexec) default only: buffered destinations within the limit: -ENOMEM</li>
 *   <li>{@link #stagingCapacity} (jkexec) default only: source and list pages fit the staging range: -ENOMEM</li>
 * </ol>
 *
 * <p>The two jkexec limits replace Xen's heap exhaustion: a default image is held by jkexec and
 * staged at exec, so a hostile size must fail at load, before anything is allocated.
 */
public final class ImageRules {
    /** x86-64's architectural limit of physical addresses (MAXPHYADDR 52). */
    public static final long PHYSICAL_ADDRESS_LIMIT = 1L << 52;

    private static final long PAGE_SIZE = KexecConfig.PAGE_SIZE;

    private ImageRules() {
    }

    /** Runs every rule in order and returns the accepted image. */
    public static ValidImage check(ImageDescriptor d, KexecConfig config, int maxSegments) {
        List<SegmentDescriptor> segs = d.segments();
        segmentCount(segs.size(), maxSegments);
        ImageType type = type(d.type());
        if (type == ImageType.CRASH) {
            crashEntry(d.entry(), config.crashRegion());
            crashSegmentsInside(segs, config.crashRegion());
        }
        destinationsAligned(segs);
        destinationsAddressable(segs);
        noOverlap(segs);
        buffersFit(segs);
        Arch arch = arch(d.arch());
        ValidImage image = new ValidImage(type, arch, d.entry(), segs);
        if (type == ImageType.DEFAULT) {
            defaultDestinationsLoadable(segs, config.loadable());
            defaultImageSize(image, config.maxDefaultImageBytes());
            stagingCapacity(image, config.staging());
        }
        return image;
    }

    /** {@code nr_segments <= max}, else -EINVAL. */
    public static void segmentCount(long count, int max) {
        if (count < 0 || count > max) {
            throw new KexecException(EINVAL, "nr_segments", Long.toUnsignedString(count) + " exceeds the maximum " + max);
        }
    }

    /** KEXEC_TYPE_DEFAULT 0 or KEXEC_TYPE_CRASH 1, else -EINVAL. */
    public static ImageType type(long code) {
        ImageType t = ImageType.ofCode(code);
        if (t == null) {
            throw new KexecException(EINVAL, "type", code + " is neither KEXEC_TYPE_DEFAULT (0) nor KEXEC_TYPE_CRASH (1)");
        }
        return t;
    }

    /** Crash: {@code crash.start <= entry <= crash.end} (end inclusive, as Xen), else -EADDRNOTAVAIL. */
    public static void crashEntry(long entry, PhysicalRange crash) {
        if (Long.compareUnsigned(entry, crash.start()) < 0 || Long.compareUnsigned(entry, crash.end()) > 0) {
            throw new KexecException(EADDRNOTAVAIL, "entry_maddr",
                    hex(entry) + " outside the crash region " + crash + " (end inclusive)");
        }
    }

    /**
     * Crash: every segment with a buffer lies inside the crash region, else -EADDRNOTAVAIL.
     * Mapping-only segments are not checked (that is how a loader asks for low memory mapped).
     */
    public static void crashSegmentsInside(List<SegmentDescriptor> segments, PhysicalRange crash) {
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor s = segments.get(i);
            if (s.buffered() && !insideUnsigned(s.dest(), s.destSize(), crash)) {
                throw new KexecException(EADDRNOTAVAIL, "segments[" + i + "]",
                        "destination " + hex(s.dest()) + "+" + hex(s.destSize()) + " not inside the crash region " + crash);
            }
        }
    }

    /**
     * (jkexec) Default: every buffered segment lies inside one loadable range (the guest's RAM),
     * else -EADDRNOTAVAIL. Xen lets a default image overwrite anything; here the firmware's handover
     * block, page tables and the staged pages live beside guest RAM, and QEMU shadows
     * 0xA0000–0xFFFFF, so an image there could never arrive intact.
     */
    public static void defaultDestinationsLoadable(List<SegmentDescriptor> segments, List<PhysicalRange> loadable) {
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor s = segments.get(i);
            if (!s.buffered() || s.destSize() == 0) {
                continue;
            }
            boolean inside = false;
            for (PhysicalRange r : loadable) {
                inside |= insideUnsigned(s.dest(), s.destSize(), r);
            }
            if (!inside) {
                throw new KexecException(EADDRNOTAVAIL, "segments[" + i + "].dest_maddr", "destination " + hex(s.dest())
                        + "+" + hex(s.destSize()) + " is not inside the guest's RAM " + loadable
                        + " (jkexec's own regions and 0xa0000-0xfffff are not loadable)");
            }
        }
    }

    /** Every {@code dest_maddr} and {@code dest_maddr + dest_size} page aligned, else -EADDRNOTAVAIL. */
    public static void destinationsAligned(List<SegmentDescriptor> segments) {
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor s = segments.get(i);
            if ((s.dest() & (PAGE_SIZE - 1)) != 0) {
                throw new KexecException(EADDRNOTAVAIL, "segments[" + i + "].dest_maddr", hex(s.dest()) + " not page aligned");
            }
            if (((s.dest() + s.destSize()) & (PAGE_SIZE - 1)) != 0) {
                throw new KexecException(EADDRNOTAVAIL, "segments[" + i + "].dest_size",
                        hex(s.destSize()) + " puts the destination end " + hex(s.dest() + s.destSize()) + " off a page boundary");
            }
        }
    }

    /**
     * (jkexec) No destination wraps past 2^64 or ends above 2^52, else -EADDRNOTAVAIL. Xen has no
     * such check and would build page tables for nonsense addresses; here it keeps every later
     * range computation free of overflow.
     */
    public static void destinationsAddressable(List<SegmentDescriptor> segments) {
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor s = segments.get(i);
            if (Long.compareUnsigned(s.dest(), PHYSICAL_ADDRESS_LIMIT) > 0
                    || Long.compareUnsigned(s.destSize(), PHYSICAL_ADDRESS_LIMIT - s.dest()) > 0) {
                throw new KexecException(EADDRNOTAVAIL, "segments[" + i + "].dest_size",
                        hex(s.destSize()) + " at " + hex(s.dest()) + " ends beyond the 52-bit physical address space");
            }
        }
    }

    /**
     * No two destination ranges intersect (half open: zero-length ranges never do), mapping-only
     * segments included, else -EINVAL.
     */
    public static void noOverlap(List<SegmentDescriptor> segments) {
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor a = segments.get(i);
            for (int j = 0; j < i; j++) {
                SegmentDescriptor b = segments.get(j);
                if (a.destEnd() > b.dest() && a.dest() < b.destEnd()) {
                    throw new KexecException(EINVAL, "segments[" + i + "]", "destination " + a.destination()
                            + " overlaps segments[" + j + "] " + b.destination());
                }
            }
        }
    }

    /** {@code buf_size <= dest_size} for every segment (mapping-only included, as Xen), else -EINVAL. */
    public static void buffersFit(List<SegmentDescriptor> segments) {
        for (int i = 0; i < segments.size(); i++) {
            SegmentDescriptor s = segments.get(i);
            if (Long.compareUnsigned(s.bufSize(), s.destSize()) > 0) {
                throw new KexecException(EINVAL, "segments[" + i + "].buf_size",
                        hex(s.bufSize()) + " exceeds dest_size " + hex(s.destSize()));
            }
        }
    }

    /** EM_X86_64 (62) or EM_386 (3), else -EINVAL. */
    public static Arch arch(long code) {
        Arch a = Arch.ofElfMachine(code);
        if (a == null) {
            throw new KexecException(EINVAL, "arch", code + " is neither EM_X86_64 (62) nor EM_386 (3)");
        }
        return a;
    }

    /**
     * (jkexec) Default: the destination bytes of the buffered segments (buffer plus zero tail; each
     * is held or listed, and hashed at load and exec) stay within {@code limit}, else -ENOMEM.
     */
    public static void defaultImageSize(ValidImage image, long limit) {
        long bytes = image.bufferedDestinationBytes();
        if (bytes > limit) {
            throw new KexecException(ENOMEM, "segments", "default image covers " + hex(bytes)
                    + " destination bytes with its buffered segments, above the limit " + hex(limit));
        }
    }

    /**
     * (jkexec) Default: one staging page per started 4 KiB of buffer plus the page list (511 entries
     * per list page, spec §4.2) fit the staging pages the image leaves usable, else -ENOMEM. Staging
     * pages inside a mapping-only destination are never usable (the allocator parks them: no
     * source page may land where the image asked memory to be left alone), so they do not count;
     * without that, such a load was accepted and every exec of it failed (fuzzing finding
     * {@code mapping-only-over-staging}). Staging pages inside a <em>buffered</em> destination may
     * still serve through the allocator's swap branch; where the staging range overlaps those (a
     * configuration whose loadable ranges include staging), exec may still run out and fail with
     * -ENOMEM.
     */
    public static void stagingCapacity(ValidImage image, PhysicalRange staging) {
        long sources = 0;
        long entries = 0;
        long blocked = 0;
        long from = Math.max(staging.start(), PAGE_SIZE);
        for (SegmentDescriptor s : image.segments()) {
            if (s.buffered()) {
                sources += pagesFor(s.bufSize());
                entries += 1 + s.destSize() / PAGE_SIZE;
            } else {
                // Destinations are page aligned and do not overlap each other (checked earlier).
                long start = Math.max(s.dest(), from);
                long end = Math.min(s.destEnd(), staging.end());
                blocked += end > start ? (end - start) / PAGE_SIZE : 0;
            }
        }
        long listPages = Math.max(1, (entries + PageListEntry.DATA_SLOTS - 1) / PageListEntry.DATA_SLOTS);
        long available = StagingAllocator.usablePages(staging) - blocked;
        if (sources + listPages > available) {
            throw new KexecException(ENOMEM, "segments", "default image needs " + sources + " source pages and "
                    + listPages + " page list pages, staging " + staging + " holds " + available
                    + (blocked > 0 ? " (" + blocked + " more lie inside its mapping-only segments)" : ""));
        }
    }

    /** Pages needed for {@code bytes} bytes (at most 2^52, so no overflow). */
    static long pagesFor(long bytes) {
        return (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
    }

    private static boolean insideUnsigned(long start, long size, PhysicalRange r) {
        return Long.compareUnsigned(start, r.start()) >= 0 && Long.compareUnsigned(start, r.end()) <= 0
                && Long.compareUnsigned(size, r.end() - start) <= 0;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
