package dev.jkexec.machine;

import dev.jkexec.core.MachineLayout;
import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.machine.firmware.Faults;
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
 * @param onPanic       what the crash path does ({@code --on-panic})
 * @param dumpFormat    the format of host-side dumps the crash path writes
 */
public record MachineOptions(MachineLayout layout, UnaryOperator<MachineConfig> qemu, Path dumpDirectory,
                             boolean crashOnPanic, Faults faults, OnPanic onPanic, DumpFormat dumpFormat) {
    public MachineOptions {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(dumpDirectory, "dumpDirectory");
        Objects.requireNonNull(faults, "faults");
        Objects.requireNonNull(onPanic, "onPanic");
        Objects.requireNonNull(dumpFormat, "dumpFormat");
    }

    /** pvpanic on, crash on panic into the crash kernel, ELF cores into the working directory. */
    public static MachineOptions of(MachineLayout layout) {
        return new MachineOptions(layout, c -> c, Path.of("").toAbsolutePath(), true, Faults.NONE, OnPanic.CRASH_KERNEL, DumpFormat.ELF);
    }

    public MachineOptions withQemu(UnaryOperator<MachineConfig> q) {
        return new MachineOptions(layout, c -> q.apply(qemu.apply(c)), dumpDirectory, crashOnPanic, faults, onPanic, dumpFormat);
    }

    public MachineOptions withDumpDirectory(Path d) {
        return new MachineOptions(layout, qemu, d, crashOnPanic, faults, onPanic, dumpFormat);
    }

    public MachineOptions withCrashOnPanic(boolean on) {
        return new MachineOptions(layout, qemu, dumpDirectory, on, faults, onPanic, dumpFormat);
    }

    public MachineOptions withFaults(Faults f) {
        return new MachineOptions(layout, qemu, dumpDirectory, crashOnPanic, f, onPanic, dumpFormat);
    }

    public MachineOptions withOnPanic(OnPanic p) {
        return new MachineOptions(layout, qemu, dumpDirectory, crashOnPanic, faults, p, dumpFormat);
    }

    public MachineOptions withDumpFormat(DumpFormat f) {
        return new MachineOptions(layout, qemu, dumpDirectory, crashOnPanic, faults, onPanic, f);
    }
}
