package dev.jkexec.machine.verify;

import dev.jkexec.core.contract.ContractChecker;
import dev.jkexec.core.contract.HandoverContract;
import dev.jkexec.core.contract.HandoverContract.Boundary;
import dev.jkexec.core.contract.HandoverContract.NamedRange;
import dev.jkexec.core.contract.RuleResult;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.plan.ImageLayout;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.qemu.cpu.CpuState;
import dev.jkexec.qemu.gdb.GdbStub;
import dev.jkexec.machine.guest.GuestInit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Proves a handover on the real (emulated) CPU: stops the machine with a hardware breakpoint at
 * the image's entry (jkexec → image) and at the kernel's entry (purgatory → kernel), reads the CPU
 * state and the memory it sees, and runs the {@link ContractChecker} rules of each boundary.
 *
 * <p>Default images are verified on their first boot; crash images on a running guest that is
 * then crashed by the operator path. The machine must have been started with the gdbstub.
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
        Path socket = machine.qemu().gdbSocket()
                .orElseThrow(() -> new JkexecException("verify needs a machine with the gdbstub"));
        try (GdbStub gdb = GdbStub.connect(socket, timeout)) {
            if (spec.type() == ImageType.CRASH) {
                long from = machine.console().mark();
                machine.boot(spec.withAppend(spec.append() + " jkexec.gen=first").withType(ImageType.DEFAULT));
                machine.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.READY) + ".*"), timeout, from);
                machine.qemu().pause(); // the gdbstub takes requests only from a stopped machine
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
                gdb.awaitStop(timeout);
                CpuState cpu = machine.qemu().cpuStates().getFirst();
                BoundaryReport r = new BoundaryReport(name(c.boundary()), c,
                        ContractChecker.check(c, cpu.registers(), machine.memory()));
                reports.add(r);
                failed = !r.passed();
                gdb.removeBreakpoint(c.entry(), timeout);
                if (!failed) {
                    gdb.resume();
                }
            }
            String booted = null;
            if (awaitInit && !failed) {
                booted = machine.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.READY) + ".*"), timeout, mark).text();
            }
            return new Report(reports, booted);
        }
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
        kernelNeeds.add(new NamedRange("zero page", l.zeroPage(), 4096));
        kernelNeeds.add(new NamedRange("cmdline", l.commandLineAddress(), l.commandLine().length() + 1));
        if (l.initrd() != null) {
            kernelNeeds.add(new NamedRange("initrd", l.initrd(), l.initrdSize()));
        }
        List<NamedRange> ram = new ArrayList<>();
        for (MemoryRange r : l.e820().ram()) {
            ram.add(new NamedRange("ram", r.start(), r.size()));
        }
        HandoverContract kernel = new HandoverContract(is64 ? Boundary.LINUX_64 : Boundary.LINUX_32, l.kernelEntry(),
                kernelNeeds, l.zeroPage(), ram);
        return List.of(entry, kernel);
    }

    static String name(Boundary b) {
        return switch (b) {
            case IMAGE_ENTRY_64 -> "jkexec -> image entry (EM_X86_64)";
            case IMAGE_ENTRY_32 -> "jkexec -> image entry (EM_386)";
            case LINUX_64 -> "purgatory -> kernel (Linux 64-bit boot protocol)";
            case LINUX_32 -> "purgatory -> kernel (Linux 32-bit boot protocol)";
        };
    }
}
