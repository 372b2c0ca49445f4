package dev.jkexec.cli;

import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.plan.KernelFile;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jkexec extract-vmlinux <bzImage> <out>}: writes the decompressed kernel ELF, after checking it parses. */
@Command(name = "extract-vmlinux", mixinStandardHelpOptions = true, description = "Decompress a bzImage's payload and write the vmlinux ELF.")
final class ExtractVmlinuxCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<bzImage>")
    Path image;

    @Parameters(index = "1", paramLabel = "<out>")
    Path out;

    @Override
    public Integer call() {
        BzImage img = BzImage.parse(KernelFile.open(Inputs.image("bzImage", image)).contents());
        byte[] vmlinux = img.decompress();
        ElfFile elf = ElfParser.parse(MemorySegment.ofArray(vmlinux));
        try {
            Files.write(out, vmlinux);
        } catch (IOException e) {
            throw new JkexecException("cannot write " + out + ": " + e.getMessage());
        }
        spec.commandLine().getOut().printf("%s: %s payload, 0x%x bytes -> %s (%s %s, entry 0x%x, %d PT_LOAD)%n", image,
                img.compression().label(), vmlinux.length, out, elf.className(), elf.machineName(), elf.entry(), elf.loads().size());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
