package dev.jkexec.machine;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.machine.firmware.Faults;
import dev.jkexec.qemu.QemuConfig;
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
 * @param faults        deliberate breaks of the entry contract (checker tests only), else {@link Faults#NONE}
 */
public record MachineOptions(MachineLayout layout, UnaryOperator<QemuConfig> qemu, Path dumpDirectory,
                             boolean crashOnPanic, Faults faults) {
    public MachineOptions {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(dumpDirectory, "dumpDirectory");
        Objects.requireNonNull(faults, "faults");
    }

    /** pvpanic on, crash on panic, cores into the working directory. */
    public static MachineOptions of(MachineLayout layout) {
        return new MachineOptions(layout, c -> c, Path.of("").toAbsolutePath(), true, Faults.NONE);
    }

    public MachineOptions withQemu(UnaryOperator<QemuConfig> q) {
        return new MachineOptions(layout, c -> q.apply(qemu.apply(c)), dumpDirectory, crashOnPanic, faults);
    }

    public MachineOptions withDumpDirectory(Path d) {
        return new MachineOptions(layout, qemu, d, crashOnPanic, faults);
    }

    public MachineOptions withCrashOnPanic(boolean on) {
        return new MachineOptions(layout, qemu, dumpDirectory, on, faults);
    }

    public MachineOptions withFaults(Faults f) {
        return new MachineOptions(layout, qemu, dumpDirectory, crashOnPanic, f);
    }
}
