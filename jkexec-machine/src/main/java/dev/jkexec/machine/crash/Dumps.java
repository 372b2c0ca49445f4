package dev.jkexec.machine.crash;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.crash.GuestKernel;
import dev.jkexec.core.crash.VmcoreInfoHint;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.machine.layout.MachineLayout;
import java.util.List;

/** Writes a host-side dump of a paused guest in any {@link DumpFormat}: the one entry point for the machine and the CLI. */
public final class Dumps {
    private Dumps() {
    }

    /** What jkexec knows of the guest's kernel now: VMCOREINFO from RAM (the guest's hint first), its address space. */
    public static GuestKernel probe(PhysicalMemory memory, List<MemoryRange> ram) {
        return GuestKernel.probe(memory, ram, VmcoreInfoHint.read(memory, MachineLayout.VMCOREINFO_HINT));
    }

    /**
     * Writes {@code src} to {@code target} and commits it; {@code level} is makedumpfile's dump
     * level for the kdump formats (ELF dumps hold every page).
     */
    public static CoreDump.Written write(DumpTarget target, DumpSource src, DumpFormat format, int level, DumpProgress progress) {
        try (target) {
            if (format == DumpFormat.ELF) {
                return CoreDump.write(target, src, progress);
            }
            KdumpFile.Written w = KdumpFile.write(target, src, format, level, progress);
            String filter = w.level() == level ? "dump level " + level
                    : "dump level " + w.level() + " (level " + level + " impossible: " + w.whyNotFiltered() + ")";
            return new CoreDump.Written(w.file(), w.bytes(), src.ramBytes(), src.cpuNotes().size(), format,
                    format.label() + ", " + filter + ": " + w.dumped() + " of " + w.pages() + " pages dumped (" + w.zero()
                            + " of zeros shared), excluded: " + w.excluded().cache() + " cache, " + w.excluded().cachePrivate()
                            + " cache with private data, " + w.excluded().user() + " user, " + w.excluded().free() + " free, "
                            + w.excluded().other() + " offline or poisoned");
        }
    }
}
