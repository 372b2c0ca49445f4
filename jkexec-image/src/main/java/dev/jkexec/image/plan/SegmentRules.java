package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;
import static dev.jkexec.image.KexecImage.MAX_SEGMENTS;

import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PcPlatform;
import java.util.List;

/**
 * The rules every planned image satisfies (the core checks them again; these catch planner bugs
 * and inputs the placer cannot fix): at most {@link dev.jkexec.image.KexecImage#MAX_SEGMENTS} segments, page-aligned starts
 * and sizes, {@code bufsz <= memsz}, no overlaps, nothing in the legacy window 0xA0000–0xFFFFF, and
 * every segment inside RAM (default images) or inside the crash region (crash images).
 */
final class SegmentRules {
    private SegmentRules() {
    }

    /** @param crashRegion the crash region for crash images, else {@code null} (then segments must be RAM of {@code map}) */
    static void check(List<PlannedSegment> segments, MemoryMap map, MemoryRange crashRegion) {
        if (segments.size() > MAX_SEGMENTS) {
            throw new PlacementException("image", segments.size() + " segments exceed the limit of " + MAX_SEGMENTS
                    + " (an ELF with many PT_LOADs that do not share pages?)");
        }
        List<PlannedSegment> sorted = segments.stream().sorted((x, y) -> Long.compare(x.destination(), y.destination())).toList();
        for (int i = 0; i < sorted.size(); i++) {
            PlannedSegment s = sorted.get(i);
            if ((s.destination() & (Placer.PAGE - 1)) != 0 || (s.memsz() & (Placer.PAGE - 1)) != 0 || s.memsz() <= 0) {
                throw new IllegalStateException(s.what() + ": not page aligned: " + hex(s.destination()) + "+" + hex(s.memsz()));
            }
            if (s.bufsz() > s.memsz()) {
                throw new IllegalStateException(s.what() + ": bufsz " + hex(s.bufsz()) + " > memsz " + hex(s.memsz()));
            }
            if (i > 0 && sorted.get(i - 1).end() > s.destination()) {
                throw new IllegalStateException(s.what() + " overlaps " + sorted.get(i - 1).what());
            }
            if (PcPlatform.touchesLegacyWindow(s.destination(), s.memsz())) {
                throw new IllegalStateException(s.what() + " touches the legacy window");
            }
            boolean inside = crashRegion == null ? map.covers(s.destination(), s.memsz(), E820Type.RAM)
                    : crashRegion.contains(s.destination(), s.memsz());
            if (!inside) {
                throw new IllegalStateException(s.what() + " [" + hex(s.destination()) + ", " + hex(s.end()) + ") lies outside "
                        + (crashRegion == null ? "RAM" : "the crash region"));
            }
        }
    }
}
