package dev.jkexec.core.kexec;

import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import java.util.List;

/**
 * What is loaded in a slot, for status displays: the numbers and the digest, no bytes.
 *
 * @param v1 whether it came from the v1 load op
 */
public record ImageInfo(ImageType type, Arch arch, long entry, List<SegmentDescriptor> segments, Sha256 sha256, boolean v1) {
    public ImageInfo {
        segments = List.copyOf(segments);
    }
}
