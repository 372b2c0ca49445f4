package dev.jkexec.image.crash;

import dev.jkexec.platform.MemoryRange;
import java.util.List;
import java.util.Objects;

/**
 * What a crash image needs to know about the machine it will take over (Xen's {@code get_range}
 * answers): where it may live and what the dump must describe.
 *
 * @param crashRegion the crash region; every segment of the crash image, and its entry, lie inside it
 * @param cpuNotes    one range per vCPU holding that vCPU's crash note (NT_PRSTATUS), in CPU order
 * @param vmcoreinfo  the VMCOREINFO note buffer, or {@code null} when there is none
 * @param oldRam      the RAM of the crashed system, which the dump covers (its guest e820 RAM)
 */
public record CrashEnvironment(MemoryRange crashRegion, List<MemoryRange> cpuNotes, MemoryRange vmcoreinfo,
                               List<MemoryRange> oldRam) {
    public CrashEnvironment {
        Objects.requireNonNull(crashRegion, "crashRegion");
        cpuNotes = List.copyOf(cpuNotes);
        oldRam = List.copyOf(oldRam);
        if (crashRegion.size() == 0) {
            throw new IllegalArgumentException("empty crash region");
        }
        for (MemoryRange r : oldRam) {
            if (r.overlaps(crashRegion)) {
                throw new IllegalArgumentException("old RAM " + r + " overlaps the crash region " + crashRegion);
            }
        }
    }
}
