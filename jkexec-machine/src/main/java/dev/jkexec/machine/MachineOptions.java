package dev.jkexec.machine;

import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.machine.firmware.Fault;
import dev.jkexec.machine.firmware.Firmware;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.qemu.QemuConfig;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Everything a {@link Machine} is started with, validated and immutable; made by a {@link Builder}
 * ({@link #builder()}), the way Firecracker's {@code VmResources} are: set what differs from the
 * defaults, then {@link Builder#build()}.
 *
 * <pre>{@code
 * MachineOptions o = MachineOptions.builder()
 *         .layout(new MachineLayout(512L << 20, 128L << 20, 128L << 20, 2))
 *         .hardware(h -> h.accel(Optional.of(Accel.TCG)).gdbStub(true))
 *         .dumpDirectory(dir)
 *         .build();
 * }</pre>
 *
 * @param layout        RAM, crash region, staging, vCPUs
 * @param hardware      the QEMU machine, derived from the layout: {@code -m} is
 *                      {@code layout.totalRam()}, the vCPUs are the layout's, the ROM is jkexec's
 *                      firmware for this layout and these faults, pvpanic is on unless turned off,
 *                      and so is the hypercall doorbell (COM2, served by {@link Machine}'s
 *                      {@code dev.jkexec.machine.hypercall.Hypercalls})
 * @param faults        deliberate breaks of the entry contract (checker tests only); normally empty
 * @param dumpDirectory where host-side cores go when a crash cannot reach a crash kernel
 * @param crashOnPanic  whether a guest panic (pvpanic) triggers the crash path by itself
 * @param onPanic       what the crash path does ({@code --on-panic})
 * @param dumpFormat    the format of host-side dumps the crash path writes
 */
public record MachineOptions(MachineLayout layout, QemuConfig hardware, Set<Fault> faults, Path dumpDirectory,
                             boolean crashOnPanic, OnPanic onPanic, DumpFormat dumpFormat) {
    public MachineOptions {
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(hardware, "hardware");
        Objects.requireNonNull(dumpDirectory, "dumpDirectory");
        Objects.requireNonNull(onPanic, "onPanic");
        Objects.requireNonNull(dumpFormat, "dumpFormat");
        faults = Set.copyOf(faults);
        if (!hardware.doorbell()) {
            throw new IllegalArgumentException("hardware without the hypercall doorbell: every machine serves the guest's hypercalls");
        }
        if (hardware.ramBytes() != layout.totalRam() || hardware.ramBelow4g() != layout.maxRamBelow4g()
                || hardware.cpus() != layout.cpus()) {
            throw new IllegalArgumentException("hardware of " + hardware.ramBytes() + " bytes (max-ram-below-4g "
                    + hardware.ramBelow4g() + ") and " + hardware.cpus() + " vCPUs is not the layout's " + layout.totalRam()
                    + " bytes (" + layout.maxRamBelow4g() + ") and " + layout.cpus());
        }
    }

    /**
     * The defaults: {@link MachineLayout#defaults()}, pvpanic and the hypercall doorbell on, crash on
     * panic into the crash kernel, ELF cores into the working directory, no faults.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** The settings of a machine, mutable until {@link #build()}. */
    public static final class Builder {
        private MachineLayout layout = MachineLayout.defaults();
        private final QemuConfig.Builder hardware = QemuConfig.builder().pvpanic(true).doorbell(true);
        private final Set<Fault> faults = EnumSet.noneOf(Fault.class);
        private Path dumpDirectory = Path.of("").toAbsolutePath();
        private boolean crashOnPanic = true;
        private OnPanic onPanic = OnPanic.CRASH_KERNEL;
        private DumpFormat dumpFormat = DumpFormat.ELF;

        private Builder() {
        }

        public Builder layout(MachineLayout l) {
            layout = Objects.requireNonNull(l, "layout");
            return this;
        }

        /** Adjusts the QEMU settings (accelerator, console, gdbstub, binary, work directory root, ...). */
        public Builder hardware(Consumer<QemuConfig.Builder> settings) {
            settings.accept(hardware);
            return this;
        }

        /** The deliberate contract breaks (replacing any set before). */
        public Builder faults(Set<Fault> f) {
            faults.clear();
            faults.addAll(f);
            return this;
        }

        public Builder dumpDirectory(Path d) {
            dumpDirectory = Objects.requireNonNull(d, "dumpDirectory");
            return this;
        }

        public Builder crashOnPanic(boolean on) {
            crashOnPanic = on;
            return this;
        }

        /** What a panic does ({@code --on-panic}). */
        public Builder onPanic(OnPanic p) {
            onPanic = Objects.requireNonNull(p, "onPanic");
            return this;
        }

        /** The format of the host-side dumps the crash path writes ({@code --dump-format}). */
        public Builder dumpFormat(DumpFormat f) {
            dumpFormat = Objects.requireNonNull(f, "dumpFormat");
            return this;
        }

        /** Builds the firmware for the layout and faults, and the QEMU hardware around it. */
        public MachineOptions build() {
            QemuConfig q = hardware.build(layout.totalRam(), layout.maxRamBelow4g(), layout.cpus(), Firmware.build(layout, faults));
            return new MachineOptions(layout, q, faults, dumpDirectory, crashOnPanic, onPanic, dumpFormat);
        }
    }
}
