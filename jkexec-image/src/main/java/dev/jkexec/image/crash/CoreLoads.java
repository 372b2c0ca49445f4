package dev.jkexec.image.crash;

import dev.jkexec.image.MemoryRange;
import java.util.ArrayList;
import java.util.List;

/**
 * The PT_LOADs of every dump of a guest, in one place, so the crash kernel's ELF core header and
 * the host-side core cannot drift: first the kernel text (as kexec-tools and Linux's kexec_file
 * write it: {@code p_vaddr} in the kernel mapping, {@code p_paddr} its physical address), then one
 * per RAM range with its direct-map {@code p_vaddr}. Without a known address space (no VMCOREINFO,
 * a non-Linux guest) there is no text load and every {@code p_vaddr} is 0.
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
     * @param text  whether this is the kernel-text load (its bytes are also in a RAM load)
     */
    public record Load(long paddr, long vaddr, long size, boolean text) {
    }

    /** The loads for {@code ram}; {@code space} may be {@code null}. */
    public static List<Load> of(List<MemoryRange> ram, KernelAddressSpace space) {
        List<Load> out = new ArrayList<>();
        if (space != null && space.textSize() > 0) {
            out.add(new Load(space.textPaddr(), space.textVaddr(), space.textSize(), true));
        }
        for (MemoryRange r : ram) {
            out.add(new Load(r.start(), space == null ? 0 : space.directMap(r.start()), r.size(), false));
        }
        return out;
    }
}
