package dev.jkexec.core.crash;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.crash.VmcoreInfo;
import dev.jkexec.image.crash.VmcoreInfoNote;
import java.util.List;

/**
 * A Linux-like guest built in 64 MiB of heap memory: 4-level page tables with a KASLR-shifted
 * kernel text mapping (2 MiB pages) and a direct map at a randomised 1 GiB base, a decoy 1 GiB
 * mapping below it that does not map physical 0, and the VMCOREINFO note that describes it.
 */
final class SyntheticGuest {
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;
    static final long SIZE = 64 * MIB;
    static final long START_KERNEL_MAP = 0xffffffff80000000L;
    static final long KERNEL_OFFSET = 0x20000000L;
    static final long TEXT_VADDR = 0xffffffff81000000L + KERNEL_OFFSET;
    static final long TEXT_PADDR = 16 * MIB;
    static final long TEXT_SIZE = 20 * MIB;
    static final long PHYS_BASE = TEXT_PADDR - (TEXT_VADDR - START_KERNEL_MAP);
    static final long PGT = 32 * MIB;
    static final long PAGE_OFFSET = 0xffff888000000000L + 7 * GIB;
    static final long NOTE = 0x3800000L;

    final PhysicalMemory memory = PhysicalMemory.ofHeap(SIZE);
    final List<MemoryRange> ram = List.of(new MemoryRange(0, 0xA0000, E820Type.RAM),
            new MemoryRange(0x100000, SIZE - 0x100000, E820Type.RAM));

    SyntheticGuest() {
        long pdptDm = PGT + 0x1000;
        long pdDm = PGT + 0x2000;
        long pdptK = PGT + 0x3000;
        long pdK = PGT + 0x4000;
        long pdDecoy = PGT + 0x5000;
        entry(PGT, index(PAGE_OFFSET, 39), pdptDm);
        entry(pdptDm, index(PAGE_OFFSET, 30) - 1, pdDecoy); // a GiB below the direct map, mapping 48 MiB
        entry(pdDecoy, 0, 48 * MIB | 0x80);
        entry(pdptDm, index(PAGE_OFFSET, 30), pdDm);
        for (int i = 0; i < SIZE / (2 * MIB); i++) {
            entry(pdDm, i, (i * 2 * MIB) | 0x80);
        }
        entry(PGT, index(TEXT_VADDR, 39), pdptK);
        entry(pdptK, index(TEXT_VADDR, 30), pdK);
        for (int i = 0; i < TEXT_SIZE / (2 * MIB); i++) {
            entry(pdK, index(TEXT_VADDR, 21) + i, (TEXT_PADDR + i * 2 * MIB) | 0x80);
        }
    }

    static String vmcoreinfo(long physBase) {
        return "OSRELEASE=6.1.0-test\nPAGESIZE=4096\n"
                + "SYMBOL(init_top_pgt)=" + Long.toHexString(PGT - physBase + START_KERNEL_MAP) + "\n"
                + "SYMBOL(_stext)=" + Long.toHexString(TEXT_VADDR) + "\n"
                + "NUMBER(phys_base)=" + physBase + "\nNUMBER(pgtable_l5_enabled)=0\n"
                + "KERNELOFFSET=" + Long.toHexString(KERNEL_OFFSET) + "\n";
    }

    SyntheticGuest withNote(long at, String text) {
        memory.write(at, VmcoreInfoNote.encode(VmcoreInfo.parse(text)));
        return this;
    }

    private void entry(long table, long index, long value) {
        memory.writeLong(table + 8 * index, value | 1 | 2);
    }

    static long index(long vaddr, int shift) {
        return (vaddr >>> shift) & 511;
    }
}
