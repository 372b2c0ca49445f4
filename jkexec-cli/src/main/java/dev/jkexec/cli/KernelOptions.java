package dev.jkexec.cli;

import dev.jkexec.image.ImageType;
import dev.jkexec.image.plan.EntryMode;
import dev.jkexec.machine.Initrd;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.platform.JkexecException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The kernel to load, as every command names it ({@code run}, {@code plan}, {@code verify},
 * {@code ctl load}): one picocli mixin, one {@link #spec} into the typed {@link KernelSpec}.
 */
final class KernelOptions {
    /** The command line {@code run}, {@code plan} and {@code verify} give a kernel unless told otherwise. */
    static final String DEFAULT_APPEND = "console=ttyS0,115200";

    /** The command this mixin is part of: a bad kernel option is a usage error of that command (exit status 2). */
    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec mixee;

    @Option(names = "--kernel", paramLabel = "K",
            description = "bzImage, ELF vmlinux or Multiboot kernel, possibly gzip/xz/zstd-compressed (detected)")
    Path kernel;

    @Option(names = "--initrd", paramLabel = "I", description = "initrd / initramfs file")
    Path initrd;

    @Option(names = "--busybox", description = "build jkexec's busybox test guest as the initrd (with the kernel's pvpanic modules)")
    boolean busybox;

    @Option(names = "--append", paramLabel = "S", defaultValue = DEFAULT_APPEND,
            description = "kernel command line (default: ${DEFAULT-VALUE})")
    String append;

    @Option(names = "--entry", paramLabel = "64|32|16", defaultValue = "64",
            description = "kernel entry mode: 64 long mode, 32 protected mode, 16 real mode at the setup code (default ${DEFAULT-VALUE})")
    int entry;

    @Option(names = "--decompress", negatable = true,
            description = {"decompress a bzImage on the host at load and enter its vmlinux, with KASLR as its own decompressor "
                    + "would apply it (nokaslr in --append turns it off); run's default for the 64-bit entry, off for plan and verify.",
                "--no-decompress: the kernel's own decompressor runs in the guest (slower under emulation)"})
    Boolean decompress;

    @Option(names = "--module", paramLabel = "'FILE ARGS'",
            description = {"a Multiboot boot module with its arguments, repeatable, as kexec-tools' --module",
                "(Xen: the dom0 kernel, then its initrd; '" + KernelSpec.BUSYBOX_MODULE + "' is the busybox guest of the module before it)"})
    List<String> modules = new ArrayList<>();

    @Option(names = "--modules-dir", paramLabel = "DIR", converter = Converters.Directory.class,
            description = "where the busybox guest finds the kernel's modules (.ko, .ko.xz, .ko.zst; default: beside the kernel, and its package's lib/modules/R)")
    Path modulesDir;

    /** The entry mode, refused by option name when it is none of 64, 32, 16. */
    static EntryMode entry(String option, int bits) {
        try {
            return EntryMode.ofBits(bits);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + bits + " is none of 64 (long mode), 32 (protected mode), 16 (real mode)");
        }
    }

    /** {@code default} or {@code crash}, refused by option name. */
    static ImageType type(String option, String text) {
        return switch (text) {
            case "default" -> ImageType.DEFAULT;
            case "crash" -> ImageType.CRASH;
            default -> throw new UsageException(option + ": '" + text + "' is neither default nor crash");
        };
    }

    /**
     * The kernel as a typed spec; {@code kernel} must be given.
     *
     * @param otherwise the initrd without {@code --initrd} or {@code --busybox}
     */
    KernelSpec spec(ImageType type, Initrd otherwise) {
        return spec(kernel, type, otherwise, false);
    }

    /** The kernel as a typed spec; {@code decompressByDefault}: decompress a 64-bit entry's bzImage unless {@code --no-decompress}. */
    KernelSpec spec(ImageType type, Initrd otherwise, boolean decompressByDefault) {
        return spec(kernel, type, otherwise, decompressByDefault);
    }

    /** Whether to decompress on the host: as asked, or else the command's default for the 64-bit entry. */
    boolean decompress(boolean byDefault) {
        return decompress != null ? decompress : byDefault && entry == 64;
    }

    /** The spec of {@code file} (a command's default kernel when {@code --kernel} is not given). */
    KernelSpec spec(Path file, ImageType type, Initrd otherwise, boolean decompressByDefault) {
        try {
            if (file == null) {
                throw new JkexecException("--kernel: a kernel file is required");
            }
            if (initrd != null && busybox) {
                throw new JkexecException("--busybox: the busybox guest is an initrd; drop --initrd or --busybox");
            }
            Initrd i = initrd != null ? new Initrd.File(initrd) : busybox ? Initrd.BUSYBOX : otherwise;
            return new KernelSpec(file, i, append, entry("--entry", entry), type, decompress(decompressByDefault), modules, modulesDir);
        } catch (JkexecException e) {
            throw mixee == null ? e : new picocli.CommandLine.ParameterException(mixee.commandLine(), e.getMessage());
        }
    }
}
