package dev.jkexec.core.kexec;

import dev.jkexec.image.KexecImage;
import java.util.List;
import java.util.Objects;

/**
 * An image as the rules see it, before any rule ran: {@code xen_kexec_load} (spec §2.1) with the
 * segment array read, but no buffer read. {@code type} and {@code arch} are the raw ABI values
 * ({@code u8} and {@code u16}), so that a wrong one is refused by its rule, in the rule order of
 * spec §3.1, with the value the caller sent.
 *
 * @param type     {@code type}: KEXEC_TYPE_DEFAULT 0 or KEXEC_TYPE_CRASH 1 when valid
 * @param arch     {@code arch}: EM_X86_64 62 or EM_386 3 when valid
 * @param entry    {@code entry_maddr}
 * @param segments the segment array, in load order
 */
public record ImageDescriptor(int type, int arch, long entry, List<SegmentDescriptor> segments) {
    public ImageDescriptor {
        segments = List.copyOf(Objects.requireNonNull(segments, "segments"));
    }

    /** The numbers of a toolstack image. */
    public static ImageDescriptor of(KexecImage image) {
        return new ImageDescriptor(image.type().code(), image.arch().elfMachine(), image.entry(),
                image.segments().stream().map(SegmentDescriptor::of).toList());
    }
}
