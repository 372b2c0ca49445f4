package dev.jkexec.image;

import dev.jkexec.platform.MemoryMap;
import java.util.List;
import java.util.Objects;

/**
 * What the toolstack hands the kexec core: a whole image, as Xen's {@code xen_kexec_load}.
 *
 * <p>Nothing here is trusted by the core: it re-checks every rule (segment count, alignment,
 * overlap, crash bounds) when the image is loaded. {@code plannedFor} is the memory map the
 * toolstack placed the segments against and wrote into the image's zero page; the machine checks
 * that it runs the image on a machine with that map.
 *
 * @param type       default (exec) or crash
 * @param arch       the CPU mode of the entry
 * @param entry      guest-physical entry address (our purgatory for toolstack-built images)
 * @param segments   at most 15 segments, in the order they are loaded
 * @param plannedFor the memory map the segments were placed in, or {@code null} if unknown
 *                   (an image built elsewhere)
 */
public record KexecImage(ImageType type, Arch arch, long entry, List<KexecSegment> segments, MemoryMap plannedFor) {
    public KexecImage {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(arch, "arch");
        segments = List.copyOf(segments);
    }
}
