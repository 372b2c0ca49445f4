package dev.jkexec.core.crash;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.crash.KernelAddressSpace;
import dev.jkexec.image.crash.VmcoreInfo;

/**
 * Derives a crashed Linux kernel's {@link KernelAddressSpace} from its VMCOREINFO and its own page
 * tables, on the host. Each step is a named check, so a damaged kernel or a stale note gives a
 * one-line reason instead of a wrong dump:
 * <ol>
 *   <li>{@code phys_base}, {@code KERNELOFFSET}, {@code SYMBOL(init_top_pgt)} and
 *       {@code SYMBOL(_stext)} come from VMCOREINFO;
 *   <li>{@code init_top_pgt}'s physical address ({@code __pa_symbol}) must be a page in memory;
 *   <li>the page tables must map the kernel text where {@code phys_base} says: the text PT_LOAD is
 *       the run mapped contiguously from {@code _stext} rounded down to 2 MiB;
 *   <li>the direct map ({@code page_offset_base}, KASLR-randomised in 1 GiB steps from
 *       0xffff888000000000) is the lowest present 1 GiB from there that maps physical 0 and maps
 *       the page-table root to itself.
 * </ol>
 */
public final class KernelAddressSpaces {
    static final long TWO_MIB = 2L << 20;

    private KernelAddressSpaces() {
    }

    /** Why the address space could not be derived. */
    public static final class DerivationException extends RuntimeException {
        public DerivationException(String message) {
            super(message);
        }
    }

    /** The kernel's page tables ({@code init_top_pgt}) as VMCOREINFO places them. */
    public static GuestPageTables pageTables(PhysicalMemory memory, VmcoreInfo info) {
        long physBase = info.require("NUMBER(phys_base)", info.number("phys_base"));
        long pgt = info.require("SYMBOL(init_top_pgt)", info.symbol("init_top_pgt"));
        long root = pgt - KernelAddressSpace.START_KERNEL_MAP + physBase;
        if ((root & 0xFFF) != 0 || !memory.contains(root, 4096)) {
            throw new DerivationException("init_top_pgt: physical 0x" + Long.toHexString(root) + " (SYMBOL 0x"
                    + Long.toHexString(pgt) + ", phys_base 0x" + Long.toHexString(physBase) + ") is not a page of guest memory");
        }
        int levels = info.number("pgtable_l5_enabled").orElse(0L) == 1 ? 5 : 4;
        return new GuestPageTables(memory, root, levels);
    }

    /** Derives the address space; throws {@link DerivationException} or {@link VmcoreInfo.FormatException} with the reason. */
    public static KernelAddressSpace derive(PhysicalMemory memory, VmcoreInfo info) {
        GuestPageTables pt = pageTables(memory, info);
        long physBase = info.require("NUMBER(phys_base)", info.number("phys_base"));
        long stext = info.require("SYMBOL(_stext)", info.symbol("_stext"));
        long textVaddr = stext & ~(TWO_MIB - 1);
        long textPaddr = textVaddr - KernelAddressSpace.START_KERNEL_MAP + physBase;
        GuestPageTables.Mapping m = pt.lookup(textVaddr);
        if (m == null || m.paddr() != textPaddr) {
            throw new DerivationException("kernel text: the page tables map 0x" + Long.toHexString(textVaddr) + " to "
                    + (m == null ? "nothing" : "0x" + Long.toHexString(m.paddr())) + ", phys_base says 0x" + Long.toHexString(textPaddr));
        }
        long limit = info.number("KERNEL_IMAGE_SIZE").orElse(1L << 30);
        long size = 0;
        while (size < limit) {
            GuestPageTables.Mapping at = pt.lookup(textVaddr + size);
            if (at == null || at.paddr() != textPaddr + size) {
                break;
            }
            size += at.remaining(textVaddr + size);
        }
        long pageOffset = directMap(pt, memory);
        return new KernelAddressSpace(pageOffset, physBase, info.kernelOffset(), textVaddr, textPaddr, Math.min(size, limit));
    }

    /** x86-64 THREAD_SIZE: a kernel stack is 16 KiB, aligned to its size. */
    static final long STACK_SIZE = 16 << 10;

    /**
     * The vCPUs' context that dumps need besides the text and the direct map: the page before,
     * at and after each RIP, and the kernel stack holding each RSP, wherever they lie outside both
     * (module code, vmalloc'ed stacks). Found through the kernel's page tables, merged where both
     * the virtual and the physical pages are contiguous; at most
     * {@link CoreLoads#CONTEXT_LOADS_PER_CPU} per vCPU. User-space addresses are left out.
     */
    public static java.util.List<dev.jkexec.image.crash.CoreLoads.Load> context(GuestPageTables pt, KernelAddressSpace space,
            java.util.List<dev.jkexec.platform.MemoryRange> ram, long[] rips, long[] rsps) {
        long ramEnd = ram.stream().mapToLong(dev.jkexec.platform.MemoryRange::end).max().orElse(0);
        java.util.List<dev.jkexec.image.crash.CoreLoads.Load> out = new java.util.ArrayList<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (int cpu = 0; cpu < rips.length; cpu++) {
            java.util.List<Long> pages = new java.util.ArrayList<>();
            long rip = rips[cpu] & ~0xFFFL;
            for (long p = rip - 4096; p <= rip + 4096; p += 4096) {
                pages.add(p);
            }
            long stack = rsps[cpu] & ~(STACK_SIZE - 1);
            for (long p = stack; p < stack + STACK_SIZE; p += 4096) {
                pages.add(p);
            }
            int added = 0;
            for (long v : pages) {
                boolean kernelHalf = v < 0;
                boolean inText = Long.compareUnsigned(v - space.textVaddr(), space.textSize()) < 0;
                boolean inDirectMap = Long.compareUnsigned(v - space.pageOffset(), ramEnd) < 0;
                if (!kernelHalf || inText || inDirectMap || !seen.add(v) || added >= dev.jkexec.image.crash.CoreLoads.CONTEXT_LOADS_PER_CPU) {
                    continue;
                }
                long p = pt.translate(v);
                if (p < 0 || ram.stream().noneMatch(r -> r.contains(p, 4096))) {
                    continue;
                }
                dev.jkexec.image.crash.CoreLoads.Load last = out.isEmpty() ? null : out.get(out.size() - 1);
                if (last != null && last.vaddr() + last.size() == v && last.paddr() + last.size() == p) {
                    out.set(out.size() - 1, new dev.jkexec.image.crash.CoreLoads.Load(last.paddr(), last.vaddr(), last.size() + 4096, true));
                } else {
                    out.add(new dev.jkexec.image.crash.CoreLoads.Load(p, v, 4096, true));
                    added++;
                }
            }
        }
        return out;
    }

    private static long directMap(GuestPageTables pt, PhysicalMemory memory) {
        long from = pt.levels() == 5 ? 0xff11000000000000L : KernelAddressSpace.PAGE_OFFSET_L4;
        long probe = pt.root();
        for (int tries = 0; tries < 4096; tries++) {
            long candidate = pt.firstPresentGiB(from);
            if (candidate == -1 || Long.compareUnsigned(candidate, KernelAddressSpace.START_KERNEL_MAP) >= 0) {
                break;
            }
            if (pt.translate(candidate) == 0 && pt.translate(candidate + probe) == probe) {
                return candidate;
            }
            from = candidate + (1L << 30);
        }
        throw new DerivationException("direct map: no 1 GiB from 0x" + Long.toHexString(
                pt.levels() == 5 ? 0xff11000000000000L : KernelAddressSpace.PAGE_OFFSET_L4)
                + " maps physical 0 and the page-table root 0x" + Long.toHexString(probe) + " to themselves");
    }
}
