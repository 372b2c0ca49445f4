package dev.jkexec.image;

import dev.jkexec.platform.MemoryMap;
import java.util.List;
import java.util.Objects;

/**
 * What the toolstack hands the kexec core: a whole image, as Xen's {@code xen_kexec_load}.
 *
 * <p>Nothing here is trusted by the core: it re-checks every rule (segment count, alignment,
 * overlap, crash bounds) when the image is loaded. {@code plannedFor} is the memory map the
 * toolstack placed the segments against and wrote into the image's zero page; a machine refuses
 * to load the image unless that is its own map ({@code Machine.load}).
 *
 * @param type       default (exec) or crash
 * @param arch       the CPU mode of the entry
 * @param entry      guest-physical entry address (our purgatory for toolstack-built images)
 * @param segments   at most 15 segments, in the order they are loaded
 * @param plannedFor the memory map the segments were placed in, or {@code null} if unknown
 *                   (an image built elsewhere)
 */
public record KexecImage(ImageType type, Arch arch, long entry, List<KexecSegment> segments, MemoryMap plannedFor) {
    /**
     * Xen's {@code KEXEC_SEGMENT_MAX}, the one reason for both limits below: {@code kexec_load}
     * rejects {@code nr_segments >= KEXEC_SEGMENT_MAX} (xen-kexec-4.17.md §3.1), and a v1
     * indirection list may describe up to {@code KEXEC_SEGMENT_MAX} segments (§7).
     */
    public static final int KEXEC_SEGMENT_MAX = 16;
    /** Segments an image may have (the new load op, and so every image the toolstack builds): 15. */
    public static final int MAX_SEGMENTS = KEXEC_SEGMENT_MAX - 1;
    /** Segments a v1 indirection list may describe: 16. */
    public static final int MAX_SEGMENTS_V1 = KEXEC_SEGMENT_MAX;

    public KexecImage {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(arch, "arch");
        segments = List.copyOf(segments);
    }
}
