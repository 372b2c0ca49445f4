package dev.jkexec.cli;

import dev.jkexec.machine.KernelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.IGetter;
import picocli.CommandLine.Model.ISetter;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code jkexec run}'s picocli model, built with picocli's programmatic API: the command a user times
 * reads no annotation at start. Reading {@link RunCommand}'s annotations (and its mixins', and
 * {@link Main}'s) cost ~150-200 ms of every {@code run} before its options were parsed: each
 * annotation type is a dynamic proxy class generated at run time, which the launcher's AOT cache
 * cannot hold, and each {@code @Option} field's first read or write builds a method-handle accessor.
 * Here each option is bound to its field by a lambda, and the converters are constructed directly.
 *
 * <p>The annotations stay the declaration of {@code run}'s options: the other command lines
 * ({@code jkexec help run}, an unknown word, no command) still build {@code run} from them, and
 * {@link KernelOptions} and {@link MachineArgs} are mixins of {@code plan}, {@code verify} and
 * {@code ctl load} too. RunSpecTest holds this model to the annotated one: every option's names,
 * type, arity, label, description, default and initial value, the usage text of {@code run} and of
 * {@code jkexec}, and that each option fills the same field.
 */
final class RunSpec {
    private RunSpec() {}

    /** {@code jkexec} with {@code run} as its only subcommand, the same as {@code Main.commandLine("run")} built from the annotations. */
    static CommandLine commandLine() {
        Main main = new Main();
        CommandSpec top = CommandSpec.wrapWithoutInspection(main).name("jkexec").versionProvider(new Main.Version());
        top.usageMessage().description(Main.DESCRIPTION);
        standardHelpOptions(top);
        main.spec = top;
        CommandLine cl = new CommandLine(top);
        cl.addSubcommand("run", new CommandLine(run(new RunCommand())));
        return cl;
    }

    /** {@code run}'s model, filling {@code run}'s fields and those of its two mixins (created here when missing). */
    static CommandSpec run(RunCommand run) {
        CommandSpec spec = CommandSpec.wrapWithoutInspection(run).name("run");
        spec.usageMessage().description(
                "Boot a kernel on a jkexec machine (QEMU + jkexec's firmware): the first boot is a kexec handover.",
                "Interactive: the serial console is on your terminal; press Ctrl-] to quit.",
                "Exit status: 0 quit or --exit-on matched, 1 error, 3 timeout, 4 the guest rebooted, 5 the guest halted,",
                "6 the guest crashed and was dumped (no crash kernel, or --on-panic dump). A crashed guest left paused",
                "(--on-panic pause, or a dump that failed) keeps the machine running for jkexec dump FILE.");
        standardHelpOptions(spec);
        run.spec = spec;
        run.machine = run.machine != null ? run.machine : new MachineArgs();
        run.kernel = run.kernel != null ? run.kernel : new KernelOptions();
        machine(spec, run.machine);
        kernel(spec, run.kernel);
        RunCommand r = run;
        spec.addOption(option("--dom0", boolean.class, "<dom0>", () -> r.dom0, v -> r.dom0 = v)
                .description("the busybox guest with Debian's kexec-tools, libxenctrl 4.17 and jkexec's dom0 shim: "
                        + "kexec in the guest loads through the hypercall (/boot/vmlinuz is the kernel, /boot/initrd its initramfs)").build());
        spec.addOption(option("--crash-kernel", Path.class, "K", () -> r.crashKernel, v -> r.crashKernel = v)
                .description("also load this kernel as the crash image (busybox guest unless --crash-initrd)").build());
        spec.addOption(option("--crash-initrd", Path.class, "I", () -> r.crashInitrd, v -> r.crashInitrd = v)
                .description("initrd of the crash kernel (default: the busybox guest)").build());
        spec.addOption(option("--crash-append", String.class, "S", () -> r.crashAppend, v -> r.crashAppend = v)
                .description("command line of the crash kernel (default: --append)").build());
        spec.addOption(option("--crash-entry", Integer.class, "64|32", () -> r.crashEntry, v -> r.crashEntry = v)
                .description("entry mode of the crash kernel (default: 64)").build());
        spec.addOption(option("--on-panic", String.class, "crash-kernel|dump|both|pause", () -> r.onPanic, v -> r.onPanic = v)
                .defaultValue("crash-kernel")
                .description("what a guest panic does: enter the crash kernel (a host-side dump when there is none), write a host-side dump,"
                        + " both (dump, then the crash kernel), or pause the guest (default ${DEFAULT-VALUE})").build());
        spec.addOption(option("--dump-format", String.class, "elf|kdump-zlib|kdump-zstd", () -> r.dumpFormat, v -> r.dumpFormat = v)
                .defaultValue("elf")
                .description("format of the host-side dump a panic writes into --dump-dir (default ${DEFAULT-VALUE})").build());
        spec.addOption(option("--exit-on", String.class, "REGEX", () -> r.exitOn, v -> r.exitOn = v)
                .description("exit 0 when a console line matches").build());
        spec.addOption(option("--timeout", Double.class, "S", () -> r.timeout, v -> r.timeout = v)
                .converters(new Converters.Seconds()).description("give up S seconds after the command started (exit 3)").build());
        spec.addOption(option("--quiet", boolean.class, "<quiet>", () -> r.quiet, v -> r.quiet = v)
                .description("do not copy the console to standard output").build());
        spec.addOption(option("--api", Path.class, "SOCKET", () -> r.api, v -> r.api = v)
                .description("the REST API socket for jkexec ctl / jkexec dump / curl --unix-socket "
                        + "(default: jkexec-<pid>.sock in $TMPDIR/jkexec-$USER, mode 0700)").build());
        return spec;
    }

    /** {@link MachineArgs}' options, as its annotations declare them. */
    static void machine(CommandSpec spec, MachineArgs m) {
        spec.addOption(option("--ram", long.class, "SIZE", () -> m.ram, v -> m.ram = v)
                .defaultValue("1G").converters(new Converters.GuestRam())
                .description("guest RAM, 64M to 64G; from about 3.3G on, QEMU maps part of it from 4 GiB (default ${DEFAULT-VALUE})").build());
        spec.addOption(option("--cpus", int.class, "N", () -> m.cpus, v -> m.cpus = v)
                .defaultValue("1").converters(new Converters.Cpus()).description("vCPUs (default ${DEFAULT-VALUE})").build());
        spec.addOption(option("--crash-size", long.class, "SIZE", () -> m.crashSize, v -> m.crashSize = v)
                .defaultValue("256M").converters(new Converters.CrashSize())
                .description("crash region, hidden from the guest (default ${DEFAULT-VALUE})").build());
        spec.addOption(option("--staging", long.class, "SIZE", () -> m.staging, v -> m.staging = v)
                .defaultValue("256M").converters(new Converters.Staging())
                .description("staging region for default images at exec (default ${DEFAULT-VALUE})").build());
        spec.addOption(option("--accel", String.class, "tcg|kvm", () -> m.accel, v -> m.accel = v)
                .description("force the accelerator (default: KVM only where it is real hardware virtualization)").build());
        spec.addOption(option("--console-log", Path.class, "FILE", () -> m.consoleLog, v -> m.consoleLog = v)
                .converters(new Converters.OutputFile()).description("also write the serial console to FILE").build());
        spec.addOption(option("--dump-dir", Path.class, "DIR", () -> m.dumpDir, v -> m.dumpDir = v)
                .converters(new Converters.WritableDirectory()).description("where host-side cores go (default: current directory)").build());
        spec.addOption(option("--gdb", boolean.class, "<gdb>", () -> m.gdb, v -> m.gdb = v)
                .hidden(true).description("open QEMU's gdbstub (for the contract checker)").build());
    }

    /** {@link KernelOptions}' options, as its annotations declare them; its usage errors are {@code spec}'s ({@code @Spec(MIXEE)}). */
    static void kernel(CommandSpec spec, KernelOptions k) {
        k.mixee = spec;
        spec.addOption(option("--kernel", Path.class, "K", () -> k.kernel, v -> k.kernel = v)
                .description("bzImage, ELF vmlinux or Multiboot kernel, possibly gzip/xz/zstd-compressed (detected)").build());
        spec.addOption(option("--initrd", Path.class, "I", () -> k.initrd, v -> k.initrd = v)
                .description("initrd / initramfs file").build());
        spec.addOption(option("--busybox", boolean.class, "<busybox>", () -> k.busybox, v -> k.busybox = v)
                .description("build jkexec's busybox test guest as the initrd (with the kernel's pvpanic modules)").build());
        spec.addOption(option("--append", String.class, "S", () -> k.append, v -> k.append = v)
                .defaultValue(KernelOptions.DEFAULT_APPEND).description("kernel command line (default: ${DEFAULT-VALUE})").build());
        spec.addOption(option("--entry", int.class, "64|32|16", () -> k.entry, v -> k.entry = v)
                .defaultValue("64")
                .description("kernel entry mode: 64 long mode, 32 protected mode, 16 real mode at the setup code (default ${DEFAULT-VALUE})").build());
        spec.addOption(option("--decompress", Boolean.class, "<decompress>", () -> k.decompress, v -> k.decompress = v)
                .negatable(true)
                .description("decompress a bzImage on the host at load and enter its vmlinux, with KASLR as its own decompressor "
                                + "would apply it (nokaslr in --append turns it off); run's default for the 64-bit entry, off for plan and verify.",
                        "--no-decompress: the kernel's own decompressor runs in the guest (slower under emulation)").build());
        spec.addOption(option("--module", List.class, "'FILE ARGS'", () -> k.modules, (List<String> v) -> k.modules = v)
                .auxiliaryTypes(String.class)
                .description("a Multiboot boot module with its arguments, repeatable, as kexec-tools' --module",
                        "(Xen: the dom0 kernel, then its initrd; '" + KernelSpec.BUSYBOX_MODULE + "' is the busybox guest of the module before it)").build());
        spec.addOption(option("--modules-dir", Path.class, "DIR", () -> k.modulesDir, v -> k.modulesDir = v)
                .converters(new Converters.Directory())
                .description("where the busybox guest finds the kernel's modules (.ko, .ko.xz, .ko.zst; "
                        + "default: beside the kernel, and its package's lib/modules/R)").build());
    }

    /** {@code -h/--help} and {@code -V/--version}, as picocli's {@code mixinStandardHelpOptions} declares them (it reads them from annotations). */
    private static void standardHelpOptions(CommandSpec spec) {
        spec.addOption(OptionSpec.builder("${picocli.help.name.0:--h}", "${picocli.help.name.1:---help}").usageHelp(true)
                .type(boolean.class).paramLabel("<helpRequested>").initialValue(false)
                .descriptionKey("mixinStandardHelpOptions.help").description("Show this help message and exit.").build());
        spec.addOption(OptionSpec.builder("${picocli.version.name.0:--V}", "${picocli.version.name.1:---version}").versionHelp(true)
                .type(boolean.class).paramLabel("<versionRequested>").initialValue(false)
                .descriptionKey("mixinStandardHelpOptions.version").description("Print version information and exit.").build());
    }

    /**
     * An option of type {@code type} bound to a field: picocli reads the initial value through
     * {@code get} (as it reads an annotated field's) and stores converted values through {@code set}.
     */
    private static <V> OptionSpec.Builder option(String name, Class<?> type, String label, Supplier<V> get, Consumer<V> set) {
        Binding<V> b = new Binding<>(get, set);
        return OptionSpec.builder(name).type(type).paramLabel(label).descriptionKey("").getter(b).setter(b).initialValue(get.get());
    }

    /** A field as picocli's getter and setter (their generic methods rule out lambdas for the interfaces themselves). */
    private static final class Binding<V> implements IGetter, ISetter {
        private final Supplier<V> read;
        private final Consumer<V> write;

        Binding(Supplier<V> read, Consumer<V> write) {
            this.read = read;
            this.write = write;
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T get() {
            return (T) read.get();
        }

        @Override
        @SuppressWarnings("unchecked")
        public <T> T set(T value) {
            T old = (T) read.get();
            write.accept((V) value);
            return old;
        }
    }
}
