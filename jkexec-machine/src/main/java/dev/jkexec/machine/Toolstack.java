package dev.jkexec.machine;

import dev.jkexec.core.KexecException;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.image.plan.KernelFile;
import dev.jkexec.image.plan.KernelFormat;
import dev.jkexec.image.plan.KexecPlanner;
import dev.jkexec.image.plan.PlanRequest;
import dev.jkexec.machine.guest.GuestImages;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.InputFile;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import java.lang.foreign.MemorySegment;
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
    private final GetRange kexec;
    private final MachineLayout layout;
    private final long rsdp;
    private final KexecPlanner planner = new KexecPlanner();
    /**
     * Where the KASLR of bzImages decompressed on the host draws from (their own decompressor uses
     * RDRAND/RDTSC): a {@link java.security.SecureRandom}, made at the first draw. Made in this
     * class's initialisation it cost every plan, a vmlinux's too, its provider look-up and reflective
     * constructor (method handles spun at every JVM start) on the way to the first boot
     * (docs/boot-profile.md, branch cliwindow).
     */
    private static final java.util.random.RandomGenerator KASLR = () -> KaslrSource.RANDOM.nextLong();

    private static final class KaslrSource {
        static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    }

    Toolstack(Kexec kexec, MachineLayout layout, long rsdp) {
        this(kexec::getRange, layout, rsdp);
    }

    private Toolstack(GetRange kexec, MachineLayout layout, long rsdp) {
        this.kexec = kexec;
        this.layout = layout;
        this.rsdp = rsdp;
    }

    /**
     * The toolstack of a machine of {@code layout} that is not started, or not yet ({@code jkexec
     * plan}, and {@code run} planning while QEMU starts): the same planning path as a running
     * machine's, with the same {@code get_range} answers a core of that layout gives
     * ({@link Kexec#getRange(dev.jkexec.core.kexec.KexecConfig, int, int)}) and the machine's RSDP
     * ({@link MachineLayout#acpiBase()}), so {@code plan} and {@code run} cannot disagree. The image
     * is then loaded with {@link Machine#boot(dev.jkexec.image.KexecImage)}.
     */
    public static Toolstack machineFree(MachineLayout layout) {
        return machineFree(layout, layout.acpiBase());
    }

    /** {@link #machineFree(MachineLayout)} telling the kernel another RSDP. */
    public static Toolstack machineFree(MachineLayout layout, long rsdp) {
        return new Toolstack((range, nr) -> Kexec.getRange(layout.kexecConfig(), range, nr), layout, rsdp);
    }

    /** Plans {@code spec} for this machine. */
    public ImagePlan plan(KernelSpec spec) {
        return prepare(spec).plan();
    }

    /** A plan and what a user must know about the guest it boots (no pvpanic, say). */
    public record Prepared(ImagePlan plan, List<String> notices) {
    }

    /**
     * Plans {@code spec}: reads the kernel, builds the busybox guest when asked (noting when it
     * has no pvpanic module), and for a Multiboot kernel reads the boot modules and puts each
     * file's name first on its command line, as GRUB and kexec-tools do.
     */
    public Prepared prepare(KernelSpec spec) {
        String prefix = spec.type() == ImageType.CRASH ? "crash-" : "";
        // Mapped, not read (66 MB of a vmlinux copied once, page cache to guest RAM, instead of twice):
        // a file truncated under the mapping faults where it is read; the parse below and the plan
        // report that as the file having changed (the first boot's write and the held image: Kexec).
        InputFile kernelFile = new InputFile(prefix + "kernel", spec.kernel());
        MemorySegment kernel = kernelFile.map(layout.guestRam(), "the guest's RAM");
        long used = kernel.byteSize();
        // Every file is checked before the kernel is parsed: a FIFO or a device among the modules is
        // refused by name whatever the kernel turns out to be.
        if (spec.initrd() instanceof Initrd.File f) {
            new InputFile(prefix + "initrd", f.path()).size(Math.max(0, layout.guestRam() - used), "the guest's RAM minus the kernel");
        }
        for (String m : spec.modules()) {
            String file = m.strip().split("\\s+", 2)[0];
            if (!file.equals(KernelSpec.BUSYBOX_MODULE)) {
                new InputFile(prefix + "module", InputFile.path(prefix + "module", file))
                        .size(Math.max(0, layout.guestRam() - used), "the guest's RAM minus the kernel");
            }
        }
        dev.jkexec.platform.BootProfile.mark("plan: kernel file read");
        List<Mapped> mapped = new ArrayList<>(List.of(new Mapped(kernelFile, kernel.byteSize())));
        boolean multiboot;
        try {
            multiboot = KernelFormat.detect(KernelFile.open(kernel, layout.guestRam()).contents()) == KernelFormat.MULTIBOOT;
        } catch (InternalError fault) {
            throw kernelFile.changedUnder(fault);
        }
        List<String> notices = new ArrayList<>();
        PlanRequest.Builder r = PlanRequest.builder(kernel, layout.guestMemoryMap())
                .commandLine(multiboot ? withName(spec.kernel(), spec.append()) : spec.append())
                .entry(spec.entry())
                .decompress(spec.decompress())
                .kaslr(spec.decompress() ? KASLR : null)
                .acpiRsdp(rsdp);
        if (multiboot) {
            Path previous = null;
            for (String m : spec.modules()) {
                String[] words = m.strip().split("\\s+", 2);
                String args = words.length > 1 ? words[1] : "";
                if (words[0].equals(KernelSpec.BUSYBOX_MODULE)) {
                    if (previous == null) {
                        throw new JkexecException("module " + m + ": " + KernelSpec.BUSYBOX_MODULE + " follows the kernel module it is the initrd of");
                    }
                    GuestImages.GuestImage guest = GuestImages.busyboxGuest(previous, spec.modulesDir());
                    if (guest.warning() != null) {
                        notices.add(guest.warning());
                    }
                    r.module(MemorySegment.ofArray(guest.initrd()), withName(Path.of(KernelSpec.BUSYBOX_MODULE), args));
                } else {
                    Path file = InputFile.path(prefix + "module", words[0]);
                    byte[] module = readBeside(prefix + "module", file, layout.guestRam(), used);
                    used += module.length;
                    r.module(MemorySegment.ofArray(module), withName(file, args));
                    previous = file;
                }
            }
        } else if (!spec.modules().isEmpty()) {
            throw new JkexecException("--module: boot modules are for Multiboot kernels; " + spec.kernel() + " takes an initrd");
        } else {
            // instanceof, not a pattern switch: its bootstrap spins a class at every JVM start, on the
            // plan's path to the first boot (docs/boot-profile.md, branch cliwindow). Initrd is sealed:
            // None, File, Busybox.
            if (spec.initrd() instanceof Initrd.File f) {
                InputFile file = new InputFile(prefix + "initrd", f.path());
                MemorySegment initrd = file.map(Math.max(0, layout.guestRam() - used), "the guest's RAM minus the kernel");
                r.initrd(initrd);
                mapped.add(new Mapped(file, initrd.byteSize()));
            } else if (spec.initrd() instanceof Initrd.Busybox) {
                GuestImages.GuestImage guest = GuestImages.busyboxGuest(spec.kernel(), spec.modulesDir());
                if (guest.warning() != null) {
                    notices.add(guest.warning());
                }
                r.initrd(guest.initrd());
            }
        }
        if (spec.type() == ImageType.CRASH) {
            r.crash(crashEnvironment());
        }
        dev.jkexec.platform.BootProfile.mark("plan: initrd read or built");
        ImagePlan plan;
        try {
            plan = planner.plan(r.build());
        } catch (InternalError fault) {
            throw shrunk(mapped, fault);
        }
        dev.jkexec.platform.BootProfile.mark("plan: parsed, decompressed, placed, purgatory built");
        return new Prepared(plan, notices);
    }

    /** A Multiboot command line: the file's name first, then its arguments. */
    public static String withName(Path file, String args) {
        String name = file.getFileName().toString();
        return args == null || args.isBlank() ? name : name + " " + args.strip();
    }

    /** The crash environment from the core's {@code get_range} answers. */
    public CrashEnvironment crashEnvironment() {
        return crashEnvironment(kexec, oldRam(layout));
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

    /** A file the plan reads through its mapping, of {@code size} bytes when it was mapped. */
    private record Mapped(InputFile file, long size) {
    }

    /** The error for a fault reading the mapping of one of {@code files}: the one now shorter than mapped, else the first. */
    private static dev.jkexec.platform.InputFileException shrunk(List<Mapped> files, InternalError fault) {
        for (Mapped m : files) {
            try {
                if (java.nio.file.Files.size(m.file().path()) < m.size()) {
                    return m.file().changedUnder(fault);
                }
            } catch (java.io.IOException | RuntimeException gone) {
                return m.file().changedUnder(fault);
            }
        }
        return files.getFirst().file().changedUnder(fault);
    }

    /**
     * An initrd or a boot module ({@link InputFile}): regular, and at most the guest's RAM minus
     * what is already loaded ({@code used}: the kernel and earlier modules).
     */
    public static byte[] readBeside(String field, Path p, long ram, long used) {
        return new InputFile(field, p).read(Math.max(0, ram - used), used == 0 ? "the guest's RAM" : "the guest's RAM minus the kernel");
    }

}
