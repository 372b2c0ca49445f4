package dev.jkexec.cli;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.qemu.console.ConsoleOptions;
import dev.jkexec.qemu.process.Accel;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The machine settings every machine command shares (picocli mixin). */
final class MachineArgs {
    @Option(names = "--ram", paramLabel = "SIZE", defaultValue = "1G", converter = Converters.GuestRam.class,
            description = "guest RAM, 64M to 64G; from about 3.3G on, QEMU maps part of it from 4 GiB (default ${DEFAULT-VALUE})")
    long ram;

    @Option(names = "--cpus", paramLabel = "N", defaultValue = "1", converter = Converters.Cpus.class, description = "vCPUs (default ${DEFAULT-VALUE})")
    int cpus;

    @Option(names = "--crash-size", paramLabel = "SIZE", defaultValue = "256M", converter = Converters.CrashSize.class,
            description = "crash region, hidden from the guest (default ${DEFAULT-VALUE})")
    long crashSize;

    @Option(names = "--staging", paramLabel = "SIZE", defaultValue = "256M", converter = Converters.Staging.class,
            description = "staging region for default images at exec (default ${DEFAULT-VALUE})")
    long staging;

    @Option(names = "--accel", paramLabel = "tcg|kvm",
            description = "force the accelerator (default: KVM only where it is real hardware virtualization)")
    String accel;

    @Option(names = "--console-log", paramLabel = "FILE", converter = Converters.OutputFile.class, description = "also write the serial console to FILE")
    Path consoleLog;

    @Option(names = "--dump-dir", paramLabel = "DIR", converter = Converters.WritableDirectory.class, description = "where host-side cores go (default: current directory)")
    Path dumpDir;

    @Option(names = "--gdb", description = "open QEMU's gdbstub (for the contract checker)", hidden = true)
    boolean gdb;

    MachineLayout layout() {
        try {
            return new MachineLayout(ram, crashSize, staging, cpus);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--ram/--crash-size/--staging/--cpus: " + e.getMessage());
        }
    }

    Optional<Accel> accel() {
        if (accel == null) {
            return Optional.empty();
        }
        return switch (accel.toLowerCase(Locale.ROOT)) {
            case "tcg" -> Optional.of(Accel.TCG);
            case "kvm" -> Optional.of(Accel.KVM);
            default -> throw new UsageException("--accel: '" + accel + "' is neither tcg nor kvm");
        };
    }

    /** The machine these options describe; commands add their own settings before {@code build()}. */
    MachineOptions.Builder options() {
        Optional<Accel> a = accel();
        Optional<Path> log = Optional.ofNullable(consoleLog);
        MachineOptions.Builder b = MachineOptions.builder().layout(layout())
                .hardware(h -> h.accel(a).console(ConsoleOptions.defaults().withLogFile(log)).gdbStub(gdb));
        return dumpDir == null ? b : b.dumpDirectory(dumpDir);
    }
}
