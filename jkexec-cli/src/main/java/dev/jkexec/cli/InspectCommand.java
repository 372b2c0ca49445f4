package dev.jkexec.cli;

import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.multiboot.MultibootHeader;
import dev.jkexec.image.plan.KernelFile;
import dev.jkexec.image.plan.KernelFormat;
import dev.jkexec.platform.GuestAssets;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jkexec inspect [<image>] [--json]}: what a kernel file is and everything its headers say.
 * A bzImage shows every setup header field of its protocol version with its offset, the decoded
 * flags, the version string, the payload, and the decompressed vmlinux ELF; an ELF shows its
 * program headers and notes; a Multiboot header is shown when one is found. Without an argument
 * the generic test kernel is inspected.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true, description = "Show what a kernel image (bzImage, ELF vmlinux, multiboot) contains.")
final class InspectCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "0..1", paramLabel = "<image>", description = "kernel file (default: the generic test kernel)")
    Path image;

    @Option(names = "--json", description = "print JSON instead of text")
    boolean json;

    @Override
    public Integer call() {
        Path path = image != null ? image : GuestAssets.genericKernel();
        MemorySegment file = Inputs.image("image", path);
        Map<String, Object> report = report(path, file);
        spec.commandLine().getOut().print(json ? Report.json(report) + "\n" : Report.text(report));
        spec.commandLine().getOut().flush();
        return 0;
    }

    static Map<String, Object> report(Path path, MemorySegment raw) {
        Map<String, Object> r = Report.map();
        r.put("file", path.toString());
        r.put("size", Report.hex(raw.byteSize()));
        KernelFile opened = KernelFile.open(raw);
        MemorySegment file = opened.contents();
        if (opened.compression() != null) {
            r.put("compressed", opened.compression().label() + ", 0x" + Long.toHexString(file.byteSize()) + " bytes inside");
        }
        KernelFormat format = KernelFormat.detect(file);
        r.put("format", format.label());
        switch (format) {
            case BZIMAGE -> {
                BzImage img = BzImage.parse(file);
                r.put("bzimage", ImageReports.bzImage(img));
                if (img.compression() != null) {
                    byte[] vmlinux = img.decompress();
                    Map<String, Object> v = Report.map();
                    v.put("decompressed_size", Report.hex(vmlinux.length));
                    v.putAll(ImageReports.elf(ElfParser.parse(MemorySegment.ofArray(vmlinux))));
                    r.put("vmlinux", v);
                }
            }
            case ELF -> r.put("elf", ImageReports.elf(ElfParser.parse(file)));
            case MULTIBOOT -> {
                if (ElfParser.isElf(file)) {
                    r.put("elf", ImageReports.elf(ElfParser.parse(file)));
                }
            }
            case UNKNOWN -> throw KernelFormat.unknown(file);
        }
        Optional<MultibootHeader> mb = MultibootHeader.find(file);
        mb.ifPresent(h -> r.put("multiboot", ImageReports.multiboot(h)));
        return r;
    }
}
