package dev.jkexec.cli;

import dev.jkexec.image.multiboot.MultibootTestKernel;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jkexec test-kernel multiboot FILE}: writes the Multiboot test kernel jkexec builds with
 * its own assembler ({@link MultibootTestKernel}), which prints its entry state and information
 * structure on the serial console.
 */
@Command(name = "test-kernel", mixinStandardHelpOptions = true, description = {"Write a test kernel jkexec builds with its own assembler.",
    "multiboot: a Multiboot v1 kernel that prints EAX, EBX, CR0, its information structure and modules on COM1."})
final class TestKernelCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "multiboot", description = "which test kernel (only: multiboot)")
    String kind;

    @Parameters(index = "1", paramLabel = "FILE")
    Path out;

    @Override
    public Integer call() {
        if (!kind.equals("multiboot")) {
            throw new JkexecException("test-kernel: '" + kind + "' is not a test kernel jkexec builds (only: multiboot)");
        }
        byte[] k = MultibootTestKernel.build();
        try {
            Files.write(out, k);
        } catch (IOException e) {
            throw new JkexecException("cannot write " + out + ": " + e.getMessage());
        }
        spec.commandLine().getOut().printf("%s: Multiboot v1 test kernel, %d bytes, loaded at 0x%x%n", out, k.length,
                MultibootTestKernel.LOAD);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
