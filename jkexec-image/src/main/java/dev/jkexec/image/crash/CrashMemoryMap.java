package dev.jkexec.image.crash;

import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import java.util.List;

/**
 * The memory map a crash kernel is told. Starting from the machine's map:
 * <ol>
 *   <li>every RAM range of the old system becomes reserved: the dump lives there and the crash kernel
 *       must not allocate from it;
 *   <li>the crash region becomes RAM: the crash kernel runs there;
 *   <li>the segments the crash kernel must not overwrite (the ELF core header, the backup of low
 *       memory) become reserved again: reserved rather than absent, so that neither KASLR nor a PCI
 *       BAR lands on them;
 *   <li>{@code [0, 640 KiB)} becomes RAM: the crash kernel needs sub-1 MiB memory for its real-mode
 *       trampoline, and that memory's old contents were backed up.
 * </ol>
 * Everything else (ROM alias, jkexec's hidden pages, other reserved ranges) stays as it was.
 */
public final class CrashMemoryMap {
    private CrashMemoryMap() {
    }

    public static MemoryMap build(MemoryMap machine, MemoryRange crashRegion, List<MemoryRange> keepOut) {
        MemoryMap m = machine;
        for (MemoryRange ram : machine.ram()) {
            m = m.with(ram.withType(E820Type.RESERVED));
        }
        m = m.with(crashRegion.withType(E820Type.RAM));
        for (MemoryRange r : keepOut) {
            m = m.with(r.withType(E820Type.RESERVED));
        }
        return m.with(new MemoryRange(0, ElfCoreHeader.BACKUP_SIZE, E820Type.RAM)).coalesced();
    }
}
