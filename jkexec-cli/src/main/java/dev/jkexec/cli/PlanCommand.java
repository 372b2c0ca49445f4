package dev.jkexec.cli;

import static dev.jkexec.cli.Report.hex;

import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.KexecConfig;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.boot.ZeroPageField;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.plan.EntryMode;
import dev.jkexec.image.plan.ImageLayout;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.image.plan.KernelFile;
import dev.jkexec.image.plan.KernelFormat;
import dev.jkexec.image.plan.KexecPlanner;
import dev.jkexec.image.plan.PlanRequest;
import dev.jkexec.image.plan.PlannedSegment;
import dev.jkexec.machine.Toolstack;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.InputFile;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
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
 * the e820 table. The machine's memory map, crash region, crash notes and VMCOREINFO come from
 * {@link MachineLayout}.
 */
@Command(name = "plan", mixinStandardHelpOptions = true, description = "Plan a kexec image for a machine and print its segments, entry, zero page and e820.")
final class PlanCommand implements Callable<Integer> {
    @Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kernel", required = true, paramLabel = "K", description = "bzImage or ELF vmlinux")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "I", description = "initrd / initramfs file")
    Path initrd;

    @Option(names = "--append", paramLabel = "S", defaultValue = "", description = "kernel command line")
    String append;

    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "1G", converter = Converters.GuestRam.class,
            description = "guest RAM (1G, 512M, 0x40000000; default ${DEFAULT-VALUE})")
    long ram;

    @Option(names = "--cpus", defaultValue = "1", converter = Converters.Cpus.class, description = "vCPUs (one crash note each; default ${DEFAULT-VALUE})")
    int cpus;

    @Option(names = "--type", defaultValue = "default", paramLabel = "default|crash", description = "image type (default ${DEFAULT-VALUE})")
    String type;

    @Option(names = "--decompress", description = "decompress the bzImage now and load its vmlinux, entered at startup_64")
    boolean decompress;

    @Option(names = "--entry", defaultValue = "64", paramLabel = "64|32|16", description = "kernel entry mode (default ${DEFAULT-VALUE})")
    int entry;

    @Option(names = "--module", paramLabel = "'FILE ARGS'", description = "a Multiboot boot module with its arguments (repeatable)")
    List<String> modules = new ArrayList<>();

    @Option(names = "--acpi-rsdp", paramLabel = "ADDR", converter = Inputs.SizeConverter.class, description = "acpi_rsdp_addr to write")
    Long acpiRsdp;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Override
    public Integer call() {
        MachineLayout layout = machine();
        ImageType imageType = switch (type) {
            case "default" -> ImageType.DEFAULT;
            case "crash" -> ImageType.CRASH;
            default -> throw new UsageException("--type: '" + type + "' is neither default nor crash");
        };
        Entries.check("--entry", entry);
        EntryMode mode = EntryMode.ofBits(entry);
        MemoryMap map = layout.guestMemoryMap();
        // Every file is read (InputFile: regular, within the guest's RAM) before any is parsed.
        byte[] kernelFile = Toolstack.readKernel("kernel", kernel, layout.guestRam());
        long used = kernelFile.length;
        byte[] initrdFile = initrd == null ? null : Toolstack.readBeside("initrd", initrd, layout.guestRam(), used);
        used += initrdFile == null ? 0 : initrdFile.length;
        List<Path> moduleFiles = new ArrayList<>();
        List<byte[]> moduleBytes = new ArrayList<>();
        for (String m : modules) {
            Path file = InputFile.path("module", m.strip().split("\\s+", 2)[0]);
            moduleFiles.add(file);
            moduleBytes.add(Toolstack.readBeside("module", file, layout.guestRam(), used));
            used += moduleBytes.getLast().length;
        }
        MemorySegment kernelBytes = MemorySegment.ofArray(kernelFile);
        boolean multiboot = KernelFormat.detect(KernelFile.open(kernelBytes, layout.guestRam()).contents()) == KernelFormat.MULTIBOOT;
        PlanRequest.Builder request = PlanRequest.builder(kernelBytes, map)
                .commandLine(multiboot ? Toolstack.withName(kernel, append) : append).entry(mode).decompress(decompress);
        for (int i = 0; i < modules.size(); i++) {
            String[] words = modules.get(i).strip().split("\\s+", 2);
            request.module(MemorySegment.ofArray(moduleBytes.get(i)), Toolstack.withName(moduleFiles.get(i), words.length > 1 ? words[1] : ""));
        }
        if (initrdFile != null) {
            request.initrd(MemorySegment.ofArray(initrdFile));
        }
        if (acpiRsdp != null) {
            request.acpiRsdp(acpiRsdp);
        }
        if (imageType == ImageType.CRASH) {
            request.crash(crashEnvironment(layout, map));
        }
        ImagePlan plan = new KexecPlanner().plan(request.build());
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

    /** What {@code run}'s toolstack asks its core: the same get_range answers for a machine of this layout. */
    static CrashEnvironment crashEnvironment(MachineLayout layout, MemoryMap guest) {
        KexecConfig config = layout.kexecConfig();
        return Toolstack.crashEnvironment((range, nr) -> Kexec.getRange(config, range, nr), Toolstack.oldRam(layout));
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
