package dev.jkexec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.jkexec.core.contract.RuleResult;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.firmware.Fault;
import dev.jkexec.machine.verify.HandoverVerifier;
import dev.jkexec.platform.JkexecException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jkexec verify}: boots (or crashes into) an image and checks the handover contract on the
 * CPU at both boundaries, rule by rule.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check the handover contract on the CPU, rule by rule, at both boundaries.",
            "Stops at the image's entry (jkexec -> image) and at the kernel's entry (purgatory -> kernel) with gdbstub breakpoints, read the registers, descriptors and",
            "page tables, and report every rule PASS/FAIL. Exit status 0 when every rule passes, 1 otherwise.",
            "--break NAME deliberately breaks the handover to show the rule that catches it."})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    MachineArgs machine;

    /** --kernel defaults to the generic test kernel, the initrd to the busybox guest. */
    @picocli.CommandLine.Mixin
    KernelOptions kernel;

    @Option(names = "--type", paramLabel = "default|crash", defaultValue = "default",
            description = "verify a default image's boot, or a crash image entered from a running guest")
    String type;

    @Option(names = "--break", paramLabel = "NAME", completionCandidates = FaultNames.class,
            description = "deliberately break the handover: ${COMPLETION-CANDIDATES}")
    String breakName;

    @Option(names = "--timeout", paramLabel = "S", defaultValue = "120", converter = Converters.WholeSeconds.class, description = "per-step limit (default ${DEFAULT-VALUE} s)")
    int timeout;

    @Option(names = "--json", description = "print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Path k = kernel.kernel != null ? kernel.kernel : dev.jkexec.platform.GuestAssets.genericKernel();
        KernelSpec ks = kernel.spec(k, KernelOptions.type("--type", type), dev.jkexec.machine.Initrd.BUSYBOX, false);
        Set<Fault> faults = breakName == null ? Set.of() : Set.of(Fault.named(breakName));
        machine.gdb = true;
        // a guest that resets is reported with the state it died in (QEMU's cpu_reset log)
        MachineOptions options = machine.options().faults(faults).crashOnPanic(false).hardware(h -> h.cpuResetLog(true)).build();
        PrintWriter out = spec.commandLine().getOut();
        HandoverVerifier.Report report;
        try (Machine m = Machine.start(options)) {
            report = new HandoverVerifier(m, Duration.ofSeconds(timeout)).verify(ks, faults.isEmpty());
        }
        List<String> failed = new ArrayList<>();
        int total = 0;
        for (HandoverVerifier.BoundaryReport b : report.boundaries()) {
            for (RuleResult r : b.results()) {
                total++;
                if (!r.pass()) {
                    failed.add(r.rule());
                }
            }
        }
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("kernel", k.toString());
            j.put("entry", kernel.entry);
            j.put("type", type);
            j.put("break", breakName);
            List<Object> bs = new ArrayList<>();
            for (HandoverVerifier.BoundaryReport b : report.boundaries()) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("boundary", b.name());
                row.put("entry", b.contract() == null ? null : String.format("0x%x", b.contract().entry()));
                row.put("rules", b.results());
                bs.add(row);
            }
            j.put("boundaries", bs);
            j.put("booted", report.booted());
            j.put("passed", report.passed());
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(j));
        } else {
            for (HandoverVerifier.BoundaryReport b : report.boundaries()) {
                out.println(b.contract() == null ? "== " + b.name() : String.format("== %s, at 0x%x", b.name(), b.contract().entry()));
                b.results().forEach(r -> out.println("  " + r));
            }
            if (report.booted() != null) {
                out.println("== the kernel booted on: " + report.booted());
            }
            out.println(failed.isEmpty() ? "verify: PASS, all " + total + " rules"
                    : "verify: FAIL, " + failed.size() + " of " + total + " rules: " + String.join(", ", failed));
        }
        return failed.isEmpty() ? 0 : 1;
    }

    /** The names {@code --break} takes, for its help and shell completion: {@link Fault#names()}. */
    static final class FaultNames implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Fault.names().iterator();
        }
    }
}
