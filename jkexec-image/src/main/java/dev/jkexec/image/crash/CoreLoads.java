package dev.jkexec.image.crash;

import dev.jkexec.platform.MemoryRange;
import java.util.ArrayList;
import java.util.List;

/**
 * The PT_LOADs of every dump of a guest, in one place, so the crash kernel's ELF core header and
 * the host-side core cannot drift: first the kernel text (as kexec-tools and Linux's kexec_file
 * write it: {@code p_vaddr} in the kernel mapping, {@code p_paddr} its physical address), then the
 * vCPUs' context — the pages around each RIP and each kernel stack that lie outside the text and
 * the direct map (module code, vmalloc'ed stacks), so that gdb can read the code at {@code $pc}
 * and unwind — then one per RAM range with its direct-map {@code p_vaddr}. Text and context loads
 * are aliases: their bytes are also in a RAM load. Without a known address space (no VMCOREINFO,
 * a non-Linux guest) there are only RAM loads, with {@code p_vaddr} 0.
 */
public final class CoreLoads {
    private CoreLoads() {
    }

    /**
     * One PT_LOAD to be.
     *
     * @param paddr guest-physical start
     * @param vaddr virtual start (0 when unknown)
     * @param size  bytes
     * @param alias whether the bytes are also in a RAM load (the kernel text, the vCPU context)
     */
    public record Load(long paddr, long vaddr, long size, boolean alias) {
    }

    /** Most context loads per vCPU: three pages around RIP and a 16 KiB stack, each page apart. */
    public static final int CONTEXT_LOADS_PER_CPU = 7;

    /** The loads for {@code ram}; {@code space} may be {@code null}. */
    public static List<Load> of(List<MemoryRange> ram, KernelAddressSpace space) {
        return of(ram, space, List.of());
    }

    /** The loads for {@code ram}, with the vCPUs' {@code context} mappings (vaddr, paddr, size, alias) after the text. */
    public static List<Load> of(List<MemoryRange> ram, KernelAddressSpace space, List<Load> context) {
        List<Load> out = new ArrayList<>();
        if (space != null && space.textSize() > 0) {
            out.add(new Load(space.textPaddr(), space.textVaddr(), space.textSize(), true));
        }
        if (space != null) {
            out.addAll(context);
        }
        for (MemoryRange r : ram) {
            out.add(new Load(r.start(), space == null ? 0 : space.directMap(r.start()), r.size(), false));
        }
        return out;
    }
}
