package dev.jkexec.core.kexec;

import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.SegmentRole;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * Everything the machine needs to hand the CPU to a loaded image, made by {@link Kexec#exec}
 * after the image's digest was verified, and valid while the {@link HandoverTarget} runs.
 *
 * <ul>
 *   <li>Default image: its source pages and page list are in the staging range; the firmware walks
 *       the list from {@code pageListHead} exactly as {@link PageListWalker} does (spec §4.6).
 *       {@code inPlaceRanges} is empty.</li>
 *   <li>Crash image: its bytes are already at their destinations in the crash region;
 *       {@code pageListHead} is 0 (nothing to relocate) and {@code inPlaceRanges} lists the
 *       pages written at load that hold anything but zeros ({@link RefreshRanges}), which the
 *       firmware re-touches from the vCPU (so QEMU's TCG drops any stale translation of them);
 *       empty when the image was written before any guest instruction ran, so that no translation
 *       can predate its bytes ({@code CrashRegionImage#refreshRanges}).</li>
 * </ul>
 *
 * @param type          default or crash
 * @param arch          EM_X86_64: enter in long mode; EM_386: 32-bit protected mode, paging off
 * @param entry         entry physical address
 * @param pageListHead  first list page, or 0 when there is nothing to relocate
 * @param inPlaceRanges crash: the non-zero pages of the buffered destinations already holding the image; else empty
 * @param mappedRanges  every non-empty segment destination (mapping-only ones too) plus, for a v1
 *                      image, the low 1 MiB: what the image expects identity mapped (spec §4.5)
 * @param segments      the image's segments as loaded
 * @param digest        the image digest ({@link ImageDigest}): verified just before this plan was made, or, for
 *                      the first boot, being taken in the background from the host's buffers it was written from
 *                      ({@link Kexec#bootFirst}); {@link #sha256} waits for it
 * @param pageList      how the page list was built, or {@code null} for a crash image
 */
public record HandoverPlan(ImageType type, Arch arch, long entry, long pageListHead, List<PhysicalRange> inPlaceRanges,
                           List<PhysicalRange> mappedRanges, List<SegmentDescriptor> segments, DeferredSha256 digest,
                           PageList pageList) {
    public HandoverPlan {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(digest, "digest");
        inPlaceRanges = List.copyOf(inPlaceRanges);
        mappedRanges = List.copyOf(mappedRanges);
        segments = List.copyOf(segments);
    }

    /**
     * The image digest; for the first boot this waits until the background hash is done, and
     * throws its failure.
     */
    public Sha256 sha256() {
        return digest.get();
    }

    /** Whether the firmware has a page list to walk. */
    public boolean relocates() {
        return pageListHead != 0;
    }

    /**
     * The zero page's guest-physical address: the destination of the segment the toolstack typed
     * {@link SegmentRole#ZERO_PAGE} (a Linux 32- or 64-bit boot it planned). Empty for every other
     * image: raw-ABI and v1 segments carry no role, and 16-bit Linux and Multiboot have no zero page
     * of jkexec's.
     */
    public OptionalLong zeroPage() {
        return segments.stream().filter(s -> s.role() == SegmentRole.ZERO_PAGE)
                .mapToLong(SegmentDescriptor::dest).findFirst();
    }
}
