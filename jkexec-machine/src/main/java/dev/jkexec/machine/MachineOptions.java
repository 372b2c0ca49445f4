package dev.jkexec.machine;

import dev.jkexec.core.MachineLayout;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * How to build a {@link Machine}.
 *
 * @param layout        RAM, crash region, staging, vCPUs
 * @param qemu          adjusts the QEMU settings (accel, console log, gdbstub, tmp root, ...)
 * @param dumpDirectory where host-side cores go when a crash cannot reach a crash kernel
 * @param crashOnPanic  whether a guest panic (pvpanic) triggers the crash path by itself
 */
public record MachineOptions(MachineLayout layout, UnaryOperator<MachineConfig> qemu, Path dumpDirectory,
                             boolean crashOnPanic) {
    public MachineOptions {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(dumpDirectory, "dumpDirectory");
    }

    /** pvpanic on, crash on panic, cores into the working directory. */
    public static MachineOptions of(MachineLayout layout) {
        return new MachineOptions(layout, c -> c, Path.of("").toAbsolutePath(), true);
    }

    public MachineOptions withQemu(UnaryOperator<MachineConfig> q) {
        return new MachineOptions(layout, c -> q.apply(qemu.apply(c)), dumpDirectory, crashOnPanic);
    }

    public MachineOptions withDumpDirectory(Path d) {
        return new MachineOptions(layout, qemu, d, crashOnPanic);
    }

    public MachineOptions withCrashOnPanic(boolean on) {
        return new MachineOptions(layout, qemu, dumpDirectory, on);
    }
}
