package dev.jkexec.machine;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.core.KexecException;
import dev.jkexec.platform.E820Type;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.plan.EntryMode;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.image.plan.KexecPlanner;
import dev.jkexec.image.plan.PlanRequest;
import dev.jkexec.machine.guest.GuestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The toolstack as a guest of this machine would run it: plans {@link KernelSpec}s into kexec
 * images for this machine's memory map, asking the kexec core — not the layout — where the crash
 * region, the vCPU notes and VMCOREINFO are ({@code get_range}, as kexec-tools asks Xen).
 *
 * <p>Every image gets the machine's RSDP in its zero page (so Linux finds the MADT and every vCPU).
 * Crash images get the ELF core header over {@link #oldRam()} — all memory the guest could
 * write, the mailbox page included — so {@code /proc/vmcore} covers the whole guest.
 */
public final class Toolstack {
    private final Kexec kexec;
    private final MachineLayout layout;
    private final long rsdp;
    private final KexecPlanner planner = new KexecPlanner();

    Toolstack(Kexec kexec, MachineLayout layout, long rsdp) {
        this.kexec = kexec;
        this.layout = layout;
        this.rsdp = rsdp;
    }

    /** Plans {@code spec} for this machine. */
    public ImagePlan plan(KernelSpec spec) {
        byte[] kernel = read(spec.kernel(), "kernel", layout.guestRam());
        PlanRequest.Builder r = PlanRequest.builder(kernel, layout.guestMemoryMap())
                .commandLine(spec.append())
                .entry(EntryMode.ofBits(spec.entry()))
                .decompress(spec.decompress())
                .acpiRsdp(rsdp);
        if (spec.initrd() != null) {
            r.initrd(read(spec.initrd(), "initrd", layout.guestRam()));
        } else if (spec.busybox()) {
            r.initrd(GuestImages.busyboxInitrd(GuestAssets.busybox(), spec.kernel()));
        }
        if (spec.type() == ImageType.CRASH) {
            r.crash(crashEnvironment());
        }
        return planner.plan(r.build());
    }

    /** The crash environment from the core's {@code get_range} answers. */
    public CrashEnvironment crashEnvironment() {
        return crashEnvironment(kexec::getRange, oldRam(layout));
    }

    /**
     * The crash environment from {@code get_range} answers, as kexec-tools asks Xen: the crash
     * region, one note per vCPU (until -ERANGE), and jkexec's VMCOREINFO page, which the machine
     * fills with the guest kernel's note at crash time. {@code jkexec plan} asks the same questions
     * of a core it does not start ({@link Kexec#getRange(dev.jkexec.core.kexec.KexecConfig, int, int)}),
     * so it shows exactly what {@code run} loads.
     */
    public static CrashEnvironment crashEnvironment(GetRange kexec, List<MemoryRange> oldRam) {
        PhysicalRange crash = kexec.getRange(RangeId.CRASH, 0);
        if (crash.size() == 0) {
            throw new JkexecException("this machine has no crash region (--crash-size 0)");
        }
        List<MemoryRange> notes = new ArrayList<>();
        for (int cpu = 0; ; cpu++) {
            try {
                PhysicalRange note = kexec.getRange(RangeId.CPU, cpu);
                notes.add(new MemoryRange(note.start(), note.size(), E820Type.RESERVED));
            } catch (KexecException e) {
                break; // -ERANGE: no such vCPU, as kexec-tools enumerates them
            }
        }
        PhysicalRange v = kexec.getRange(RangeId.VMCOREINFO, 0);
        return new CrashEnvironment(new MemoryRange(crash.start(), crash.size(), E820Type.RESERVED), notes,
                v.size() == 0 ? null : new MemoryRange(v.start(), v.size(), E820Type.RESERVED), oldRam);
    }

    /** A core's {@code get_range}. */
    @FunctionalInterface
    public interface GetRange {
        PhysicalRange getRange(int range, int nr);
    }

    /** Memory a guest can write: RAM below 640 KiB (with the mailbox page) and RAM from 1 MiB. */
    public List<MemoryRange> oldRam() {
        return oldRam(layout);
    }

    /** Memory a guest of {@code layout} can write. */
    public static List<MemoryRange> oldRam(MachineLayout layout) {
        return layout.guestRamRanges().ranges();
    }

    /** Reads a file, refusing before reading one that could never fit the guest's RAM. */
    private static byte[] read(Path p, String what, long ram) {
        try {
            long size = Files.size(p);
            if (size > ram || size > Integer.MAX_VALUE - 8) {
                throw new JkexecException(what + " " + p + ": " + size + " bytes do not fit in " + (ram >> 20) + " MiB of guest RAM");
            }
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new JkexecException(what + " " + p + ": " + e.getMessage(), e);
        }
    }

}
