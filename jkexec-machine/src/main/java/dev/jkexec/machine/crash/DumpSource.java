package dev.jkexec.machine.crash;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.crash.GuestKernel;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.crash.CoreLoads;
import dev.jkexec.image.crash.KernelAddressSpace;
import dev.jkexec.image.crash.VmcoreInfo;
import dev.jkexec.image.crash.VmcoreInfoNote;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Objects;

/**
 * What a host-side dump is taken from: the paused guest's RAM, one NT_PRSTATUS note per vCPU,
 * and what jkexec found out about its kernel ({@link GuestKernel}), with the time of the crash.
 *
 * @param memory     the machine's physical memory
 * @param ram        the guest RAM the dump covers
 * @param cpuNotes   one complete ELF note per vCPU
 * @param kernel     the kernel found in RAM, or why none was
 * @param crashTime  seconds since the epoch (the VMCOREINFO's CRASHTIME and the kdump header's timestamp)
 */
public record DumpSource(PhysicalMemory memory, List<MemoryRange> ram, List<byte[]> cpuNotes, GuestKernel kernel, long crashTime,
                         List<CoreLoads.Load> context) {
    public DumpSource {
        Objects.requireNonNull(memory, "memory");
        ram = List.copyOf(ram);
        cpuNotes = List.copyOf(cpuNotes);
        Objects.requireNonNull(kernel, "kernel");
        context = List.copyOf(context);
    }

    /**
     * The source for a paused guest whose vCPUs stopped at {@code rips}/{@code rsps}: its context
     * loads (the code at each RIP, each kernel stack) are found through the kernel's page tables.
     */
    public static DumpSource of(PhysicalMemory memory, List<MemoryRange> ram, List<byte[]> cpuNotes, GuestKernel kernel,
                                long crashTime, long[] rips, long[] rsps) {
        List<CoreLoads.Load> context = kernel instanceof GuestKernel.Known k
                ? dev.jkexec.core.crash.KernelAddressSpaces.context(k.pageTables(), k.space(), ram, rips, rsps)
                : List.of();
        return new DumpSource(memory, ram, cpuNotes, kernel, crashTime, context);
    }

    /** The kernel, when it was found. */
    public GuestKernel.Known known() {
        return kernel instanceof GuestKernel.Known k ? k : null;
    }

    /** The address space, or {@code null}. */
    public KernelAddressSpace space() {
        GuestKernel.Known k = known();
        return k == null ? null : k.space();
    }

    /** The VMCOREINFO a dump carries: the guest's, with CRASHTIME; {@code null} without one. */
    public VmcoreInfo vmcoreinfo() {
        GuestKernel.Known k = known();
        return k == null ? null : k.info().withCrashTime(crashTime);
    }

    /** Every note a dump carries, 4-byte aligned and concatenated: the vCPU notes, then VMCOREINFO. */
    public byte[] notes() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] n : cpuNotes) {
            b.writeBytes(n);
            b.writeBytes(new byte[(4 - n.length % 4) % 4]);
        }
        VmcoreInfo v = vmcoreinfo();
        if (v != null) {
            b.writeBytes(VmcoreInfoNote.encode(v));
        }
        return b.toByteArray();
    }

    /** Offset of the VMCOREINFO text in {@link #notes()}, or -1. */
    public int vmcoreinfoTextOffset() {
        if (vmcoreinfo() == null) {
            return -1;
        }
        int at = 0;
        for (byte[] n : cpuNotes) {
            at += (n.length + 3) & ~3;
        }
        return at + VmcoreInfoNote.DESC_OFFSET;
    }

    /** The one line a dump prints about VMCOREINFO. */
    public String vmcoreinfoLine() {
        return switch (kernel) {
            case GuestKernel.Known k -> "VMCOREINFO of Linux " + k.info().osRelease() + " at 0x" + Long.toHexString(k.noteAddress())
                    + " (" + k.how() + "); " + k.space();
            case GuestKernel.Unknown u -> "no VMCOREINFO: " + u.reason() + "; the dump has no VMCOREINFO note and no virtual addresses";
        };
    }

    /** Bytes of guest RAM covered. */
    public long ramBytes() {
        return ram.stream().mapToLong(MemoryRange::size).sum();
    }
}
