package dev.jkexec.cli;

import static dev.jkexec.cli.Report.hex;

import dev.jkexec.image.boot.ZeroPageField;
import dev.jkexec.image.plan.ImageLayout;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.image.plan.PlannedSegment;
import dev.jkexec.machine.Initrd;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Toolstack;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

/**
 * {@code jkexec plan --kernel K [--initrd I] [--append S] [--ram 1G] [--type default|crash]
 * [--entry 64|32|16] [--module 'FILE ARGS']... [--json]}: plans an image for a jkexec machine of that size and prints it the way
 * {@code kexec -l -d} does: where each segment goes, the entry, the zero page fields written and
 * the e820 table. It plans on {@code run}'s own path ({@link Toolstack#machineFree}: the same
 * get_range answers, the same RSDP), so the two cannot disagree.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, description = "Plan a kexec image for a machine and print its segments, entry, zero page and e820.")
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @picocli.CommandLine.Mixin
    KernelOptions kernel;

    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "1G", converter = Converters.GuestRam.class,
            description = "guest RAM (1G, 512M, 0x40000000; default ${DEFAULT-VALUE})")
    long ram;

    @Option(names = "--cpus", defaultValue = "1", converter = Converters.Cpus.class, description = "vCPUs (one crash note each; default ${DEFAULT-VALUE})")
    int cpus;

    @Option(names = "--type", defaultValue = "default", paramLabel = "default|crash", description = "image type (default ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--acpi-rsdp", paramLabel = "ADDR", converter = Inputs.SizeConverter.class,
            description = "acpi_rsdp_addr to write (default: the machine's own RSDP, as run writes it)")
    Long acpiRsdp;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Override
    public Integer call() {
        MachineLayout layout = machine();
        dev.jkexec.image.ImageType t = KernelOptions.type("--type", type);
        KernelSpec ks = kernel.spec(t, Initrd.NONE);
        // run's own planning path (Toolstack.prepare), on a machine that is not started
        Toolstack.Prepared prepared = Toolstack.machineFree(layout, acpiRsdp != null ? acpiRsdp : layout.acpiBase()).prepare(ks);
        prepared.notices().forEach(n -> spec.commandLine().getErr().println("jkexec: " + n));
        ImagePlan plan = prepared.plan();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Report.json(toJson(plan)));
        } else {
            out.print(plan.describe());
        }
        out.flush();
        return 0;
    }

    private MachineLayout machine() {
        try {
            return MachineLayout.defaults().withGuestRam(ram).withCpus(cpus);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--ram/--cpus: " + e.getMessage());
        }
    }

    static Map<String, Object> toJson(ImagePlan plan) {
        ImageLayout l = plan.layout();
        Map<String, Object> r = Report.map();
        r.put("type", l.type().label());
        r.put("arch", l.arch().elfName());
        r.put("entry", hex(l.entry()));
        r.put("kernel", l.kernel());
        r.put("kernel_load", hex(l.kernelLoad()));
        r.put("kernel_entry", hex(l.kernelEntry()));
        r.put("kernel_memsz", hex(l.kernelMemsz()));
        r.put("initrd", l.initrd() == null ? null : hex(l.initrd()));
        r.put("initrd_size", hex(l.initrdSize()));
        r.put("zero_page", hex(l.zeroPage()));
        r.put("command_line_address", hex(l.commandLineAddress()));
        r.put("command_line", l.commandLine());
        r.put("elfcorehdr", l.elfCoreHeader() == null ? null : hex(l.elfCoreHeader()));
        r.put("backup", l.backup() == null ? null : hex(l.backup()));
        List<Map<String, Object>> segments = new ArrayList<>();
        for (int i = 0; i < l.segments().size(); i++) {
            PlannedSegment s = l.segments().get(i);
            long bufsz = plan.image().segments().get(i).bufferSize();
            Map<String, Object> row = Report.map();
            row.put("index", i);
            row.put("what", s.what());
            row.put("mem", hex(s.destination()));
            row.put("memsz", hex(s.memsz()));
            row.put("bufsz", hex(bufsz));
            segments.add(row);
        }
        r.put("segments", segments);
        Map<String, Object> zp = Report.map();
        for (ZeroPageField f : l.zeroPageFields()) {
            zp.put(f.name(), hex(f.value()));
        }
        r.put("zero_page_fields", zp);
        List<Map<String, Object>> e820 = new ArrayList<>();
        for (MemoryRange m : l.e820().ranges()) {
            Map<String, Object> row = Report.map();
            row.put("start", hex(m.start()));
            row.put("end", hex(m.end() - 1));
            row.put("type", m.type().code());
            row.put("name", m.type().name());
            e820.add(row);
        }
        r.put("e820", e820);
        Map<String, Object> p = Report.map();
        p.put("load_address", hex(l.purgatory().loadAddress()));
        p.put("kernel_entry", hex(l.purgatory().kernelEntry()));
        p.put("zero_page", hex(l.purgatory().zeroPage()));
        p.put("backup_source", hex(l.purgatory().backupSource()));
        p.put("backup_destination", hex(l.purgatory().backupDestination()));
        p.put("backup_size", hex(l.purgatory().backupSize()));
        r.put("purgatory", p);
        return r;
    }
}
