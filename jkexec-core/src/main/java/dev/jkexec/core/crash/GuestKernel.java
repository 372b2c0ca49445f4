package dev.jkexec.core.crash;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.crash.KernelAddressSpace;
import dev.jkexec.image.crash.VmcoreInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * What jkexec knows about the kernel that crashed, found in its RAM at crash time (or for a
 * host-side dump): its VMCOREINFO note and its address space. Either {@link Known} or
 * {@link Unknown} with the one-line reason a dump prints ("a non-Linux guest, a damaged kernel").
 */
public sealed interface GuestKernel {
    /** VMCOREINFO found, checked, and its address space derived from the guest's page tables. */
    record Known(long noteAddress, VmcoreInfo info, KernelAddressSpace space, GuestPageTables pageTables, String how)
            implements GuestKernel {
    }

    /** No usable VMCOREINFO: dumps leave the note out and their vaddrs 0. */
    record Unknown(String reason) implements GuestKernel {
    }

    /**
     * Looks for the kernel: the note at the guest's hint if its address space derives (no scan),
     * else every valid VMCOREINFO note, best first ({@link VmcoreInfoFinder}); the first whose
     * address space derives wins (a stale note of an earlier kernel fails that check).
     *
     * @param hint an address the guest reported, or -1
     */
    static GuestKernel probe(PhysicalMemory memory, List<MemoryRange> ram, long hint) {
        // The guest's hint first: when its note derives, no scan of all of RAM is needed at crash time.
        VmcoreInfoFinder.Candidate hinted = VmcoreInfoFinder.hinted(memory, ram, hint);
        if (hinted != null) {
            try {
                return new Known(hinted.address(), hinted.info(), KernelAddressSpaces.derive(memory, hinted.info()),
                        KernelAddressSpaces.pageTables(memory, hinted.info()), hinted.how());
            } catch (KernelAddressSpaces.DerivationException | VmcoreInfo.FormatException e) {
                // A stale hint: the scan below finds the live note.
            }
        }
        List<VmcoreInfoFinder.Candidate> found = VmcoreInfoFinder.find(memory, ram, hint);
        if (found.isEmpty()) {
            return new Unknown("no VMCOREINFO note in guest RAM (not a Linux guest, or its kernel is damaged)");
        }
        List<String> why = new ArrayList<>();
        for (VmcoreInfoFinder.Candidate c : found) {
            try {
                KernelAddressSpace space = KernelAddressSpaces.derive(memory, c.info());
                return new Known(c.address(), c.info(), space, KernelAddressSpaces.pageTables(memory, c.info()), c.how());
            } catch (KernelAddressSpaces.DerivationException | VmcoreInfo.FormatException e) {
                why.add("0x" + Long.toHexString(c.address()) + ": " + e.getMessage());
            }
        }
        return new Unknown("VMCOREINFO found but unusable (" + String.join("; ", why) + ")");
    }
}
