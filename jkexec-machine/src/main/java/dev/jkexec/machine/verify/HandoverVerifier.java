package dev.jkexec.machine.verify;

import dev.jkexec.core.contract.ContractChecker;
import dev.jkexec.core.contract.HandoverContract.Boundary;
import dev.jkexec.core.contract.HandoverContract.NamedRange;
import dev.jkexec.core.contract.HandoverContract;
import dev.jkexec.core.contract.RuleResult;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.multiboot.MultibootTestKernel;
import dev.jkexec.image.plan.BootProtocol;
import dev.jkexec.image.plan.ImageLayout;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.qemu.console.ConsoleTimeoutException;
import dev.jkexec.qemu.cpu.CpuState;
import dev.jkexec.qemu.gdb.GdbStub;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Proves a handover on the real (emulated) CPU: stops the machine with a hardware breakpoint at
 * the image's entry (jkexec → image) and at the kernel's entry (purgatory → kernel), reads the CPU
 * state and the memory it sees, and runs the {@link ContractChecker} rules of each boundary.
 *
 * <p>Default images are verified on their first boot; crash images on a running guest that is
 * then crashed by the operator path. The machine must have been started with the gdbstub (and,
 * to report the state a guest died in when it resets, with the CPU reset log).
 *
 * <p>The kernel's boundary follows its protocol: Linux 64-, 32- or 16-bit, or Multiboot.
 */
public final class HandoverVerifier {
    /** One boundary's verdict. */
    public record BoundaryReport(String name, HandoverContract contract, List<RuleResult> results) {
        public boolean passed() {
            return results.stream().allMatch(RuleResult::pass);
        }
    }

    /** The whole verdict; {@code booted} is the init marker line when the kernel went on to boot. */
    public record Report(List<BoundaryReport> boundaries, String booted) {
        public boolean passed() {
            return boundaries.stream().allMatch(BoundaryReport::passed);
        }
    }

    private final Machine machine;
    private final Duration timeout;

    public HandoverVerifier(Machine machine, Duration timeout) {
        this.machine = machine;
        this.timeout = timeout;
    }

    /**
     * Verifies {@code spec}: a default image is booted; a crash image is loaded on a guest booted
     * from {@code spec}'s kernel (default type) and entered by an operator crash.
     *
     * @param awaitInit whether to let the kernel run on to the init marker after the checks
     */
    public Report verify(KernelSpec spec, boolean awaitInit) {
        return verify(spec, awaitInit ? BOOTED : null);
    }

    /**
     * Verifies {@code spec} and, when {@code booted} is given, lets the kernel run on until a
     * console line matches it. A guest that resets on the way (a triple fault, a reboot) fails the
     * boundary it did not reach — or, after the last boundary, the rule {@code kernel.boots} —
     * with the last CPU state QEMU logged before the reset, instead of waiting out the timeout.
     */
    public Report verify(KernelSpec spec, Pattern booted) {
        Path socket = machine.gdbSocket()
                .orElseThrow(() -> new JkexecException("verify needs a machine with the gdbstub"));
        AtomicReference<String> reset = new AtomicReference<>();
        try (GdbStub gdb = GdbStub.connect(socket, timeout)) {
            machine.addListener(e -> {
                if (e instanceof MachineEvent.GuestReset r && reset.compareAndSet(null, r.reason())) {
                    try {
                        gdb.interruptAsync();
                    } catch (RuntimeException ignored) {
                        // the waiting side notices the reset by its flag too
                    }
                }
            });
            if (spec.type() == ImageType.CRASH) {
                long from = machine.console().mark();
                machine.boot(spec.withAppend(spec.append() + " jkexec.gen=first").withType(ImageType.DEFAULT));
                machine.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.READY) + ".*"), timeout, from);
                machine.pause(); // the gdbstub takes requests only from a stopped machine
            }
            ImagePlan plan = machine.toolstack().plan(spec);
            List<HandoverContract> contracts = contracts(plan);
            for (HandoverContract c : contracts) {
                gdb.insertBreakpoint(c.entry(), timeout);
            }
            long mark = machine.console().mark();
            machine.load(plan.image());
            if (spec.type() == ImageType.CRASH) {
                machine.crash("verify: operator crash");
            } else {
                machine.exec();
            }
            List<BoundaryReport> reports = new ArrayList<>();
            boolean failed = false;
            for (HandoverContract c : contracts) {
                if (failed) {
                    // A broken entry need not get this far: report the boundary as not checked.
                    reports.add(new BoundaryReport(name(c.boundary()), c, List.of(new RuleResult("reached", false,
                            String.format("not checked: an earlier boundary failed, the CPU may never reach 0x%x", c.entry())))));
                    continue;
                }
                GdbStub.Stop stop = gdb.awaitStop(timeout, () -> reset.get() != null);
                if (!stop.trap() && reset.get() != null) {
                    reports.add(new BoundaryReport(name(c.boundary()), c, List.of(new RuleResult("reached", false,
                            String.format("the guest reset (%s) before reaching 0x%x; %s", reset.get(), c.entry(), lastState())))));
                    failed = true;
                    continue;
                }
                CpuState cpu = machine.cpuStates().getFirst();
                BoundaryReport r = new BoundaryReport(name(c.boundary()), c,
                        ContractChecker.check(c, cpu.registers(), machine.memory()));
                reports.add(r);
                failed = !r.passed();
                gdb.removeBreakpoint(c.entry(), timeout);
                if (!failed) {
                    gdb.resume();
                }
            }
            String bootedLine = null;
            if (booted != null && !failed) {
                RuleResult boots = awaitBoot(booted, mark, reset);
                if (boots.pass()) {
                    bootedLine = boots.detail();
                } else {
                    reports.add(new BoundaryReport("after the handover: the kernel boots", null, List.of(boots)));
                }
            }
            return new Report(reports, bootedLine);
        }
    }

    /** The console line the busybox guest prints at init, or the Multiboot test kernel's last line. */
    public static final Pattern BOOTED = Pattern.compile(Pattern.quote(GuestInit.READY) + ".*|"
            + Pattern.quote(MultibootTestKernel.PREFIX + "done") + ".*");

    /** Waits for {@code booted}, giving up at once when the guest resets. */
    private RuleResult awaitBoot(Pattern booted, long mark, AtomicReference<String> reset) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (reset.get() != null) {
                return new RuleResult("kernel.boots", false, String.format("the guest reset (%s) after the handover, before "
                        + "printing %s; %s", reset.get(), describe(booted), lastState()));
            }
            try {
                return new RuleResult("kernel.boots", true, machine.console().awaitLine(booted, Duration.ofMillis(500), mark).text());
            } catch (ConsoleTimeoutException e) {
                // look at the reset flag and wait on
            }
        }
        return new RuleResult("kernel.boots", false, String.format("no console line %s within %d s",
                describe(booted), timeout.toSeconds()));
    }

    private static String describe(Pattern booted) {
        return booted == BOOTED ? "the init marker ('" + GuestInit.READY + "' or '" + MultibootTestKernel.PREFIX + "done')"
                : "matching '" + booted.pattern() + "'";
    }

    /** The last CPU state before the reset, from QEMU's reset log. */
    private String lastState() {
        return machine.lastCpuResetState().map(HandoverVerifier::describe)
                .orElse("no CPU state logged (start the machine with the CPU reset log)");
    }

    /** One line of the state a vCPU died in: where, in which mode, and the registers a fault explains itself by. */
    static String describe(CpuState cpu) {
        Registers c = cpu.registers();
        return String.format("last CPU state before the reset: %s, rip 0x%x (linear 0x%x), cr0 0x%x cr2 0x%x cr3 0x%x cr4 0x%x "
                + "efer 0x%x, cs 0x%x, rsp 0x%x, rflags 0x%x", c.mode(), c.rip(), c.linearRip(), c.cr0(), c.cr2(), c.cr3(),
                c.cr4(), c.efer(), c.cs().selector(), c.gpr().rsp(), c.rflags());
    }

    /** The two contracts of a toolstack-built image: its entry (the purgatory) and the kernel's. */
    public List<HandoverContract> contracts(ImagePlan plan) {
        KexecImage image = plan.image();
        ImageLayout l = plan.layout();
        List<NamedRange> segments = new ArrayList<>();
        for (KexecSegment s : image.segments()) {
            segments.add(new NamedRange(s.what(), s.destination(), s.destinationSize()));
        }
        boolean is64 = image.arch() == Arch.X86_64;
        HandoverContract entry = new HandoverContract(is64 ? Boundary.IMAGE_ENTRY_64 : Boundary.IMAGE_ENTRY_32,
                image.entry(), segments, 0, List.of());
        List<NamedRange> kernelNeeds = new ArrayList<>();
        kernelNeeds.add(new NamedRange("kernel (init_size)", l.kernelLoad(), l.kernelMemsz()));
        switch (l.protocol()) {
            case LINUX_16 -> kernelNeeds.add(new NamedRange("setup code", l.zeroPage(), 0x200));
            case MULTIBOOT -> {
                for (KexecSegment s : image.segments()) {
                    if (s.what().startsWith("module") || s.what().equals("multiboot info")) {
                        kernelNeeds.add(new NamedRange(s.what(), s.destination(), s.destinationSize()));
                    }
                }
            }
            default -> kernelNeeds.add(new NamedRange("zero page", l.zeroPage(), 4096));
        }
        if (l.protocol() != BootProtocol.MULTIBOOT) {
            kernelNeeds.add(new NamedRange("cmdline", l.commandLineAddress(), l.commandLine().length() + 1));
        }
        if (l.initrd() != null) {
            kernelNeeds.add(new NamedRange("initrd", l.initrd(), l.initrdSize()));
        }
        List<NamedRange> ram = new ArrayList<>();
        for (MemoryRange r : l.e820().ram()) {
            ram.add(new NamedRange("ram", r.start(), r.size()));
        }
        Boundary kernelBoundary = switch (l.protocol()) {
            case LINUX_64 -> Boundary.LINUX_64;
            case LINUX_32 -> Boundary.LINUX_32;
            case LINUX_16 -> Boundary.LINUX_16;
            case MULTIBOOT -> Boundary.MULTIBOOT;
        };
        HandoverContract kernel = new HandoverContract(kernelBoundary, l.kernelEntry(), kernelNeeds, l.zeroPage(), ram);
        return List.of(entry, kernel);
    }

    static String name(Boundary b) {
        return switch (b) {
            case IMAGE_ENTRY_64 -> "jkexec -> image entry (EM_X86_64)";
            case IMAGE_ENTRY_32 -> "jkexec -> image entry (EM_386)";
            case LINUX_64 -> "purgatory -> kernel (Linux 64-bit boot protocol)";
            case LINUX_32 -> "purgatory -> kernel (Linux 32-bit boot protocol)";
            case LINUX_16 -> "purgatory -> setup code (Linux real-mode boot protocol, jkexec's BIOS)";
            case MULTIBOOT -> "purgatory -> kernel (Multiboot v1)";
        };
    }
}
