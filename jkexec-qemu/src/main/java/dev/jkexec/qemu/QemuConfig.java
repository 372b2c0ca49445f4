package dev.jkexec.qemu;

import dev.jkexec.qemu.console.ConsoleOptions;
import dev.jkexec.qemu.process.Accel;
import dev.jkexec.qemu.qmp.QmpOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The hardware of a {@link QemuMachine}: what QEMU is started with, validated, immutable. Made by
 * a {@link Builder} ({@link #builder()}): set what differs from the defaults, then
 * {@link Builder#build(long, int, byte[])} with the three things every machine has to have (its
 * RAM, its vCPUs and its firmware). {@link dev.jkexec.qemu.QemuCommandLine} derives
 * QEMU's command line from it.
 *
 * @param ramBytes     all RAM QEMU has ({@code -m}), a positive multiple of 1 MiB
 * @param ramBelow4g   0: QEMU's default split (none below 3.5 GiB); else its {@code max-ram-below-4g}, a
 *                     multiple of 1 MiB below {@code ramBytes}: that much RAM below 4 GiB, the rest
 *                     from 4 GiB ({@link GuestRam} maps both onto the one file)
 * @param cpus         vCPUs ({@code -smp}), at least 1
 * @param rom          the firmware image, a non-empty multiple of 64 KiB, mapped to end at 4 GiB
 * @param accel        an explicit accelerator ({@code --accel}); empty: detect ({@link Accel#choose})
 * @param tmpRoot      where the private work directory (RAM file, ROM, sockets) goes; a tmpfs
 * @param qemuBinary   a name looked up on PATH, or a path
 * @param pvpanic      add {@code pvpanic-pci} with {@code -action panic=pause}
 * @param gdbStub      open a gdbstub socket ({@link QemuMachine#gdbSocket()})
 * @param doorbell     add a second serial port (COM2, {@link QemuCommandLine#DOORBELL_SERIAL_INDEX}) on
 *                     a Unix socket that {@link QemuMachine#start} connects: a byte channel between
 *                     the guest and the machine's owner ({@link QemuMachine#doorbell()})
 * @param startTimeout how long QEMU may take to open its sockets
 * @param qmp          QMP client limits and call timeout
 * @param console      console history, line limit, log file
 * @param usableSpace  how free space is measured before the RAM file is created (a test seam)
 * @param extraArgs    appended to QEMU's command line verbatim (experiments, tests)
 * @param cpuResetLog  have QEMU log every vCPU's state before each reset ({@code -d cpu_reset}), so a
 *                     guest's triple fault can be reported with the state it died in
 *                     ({@link QemuMachine#lastCpuResetState()})
 * @param translationFlush under TCG and without {@code gdbStub}: a private gdbstub socket that
 *                     {@link QemuMachine#resetAndFlushTranslations()} uses to empty TCG's translation
 *                     cache at a handover ({@link dev.jkexec.qemu.gdb.TranslationFlush}); ignored under KVM
 */
public record QemuConfig(
        long ramBytes, long ramBelow4g, int cpus, byte[] rom, Optional<Accel> accel, Path tmpRoot, Path qemuBinary,
        boolean pvpanic, boolean gdbStub, boolean doorbell, Duration startTimeout, QmpOptions qmp, ConsoleOptions console,
        UsableSpace usableSpace, List<String> extraArgs, boolean cpuResetLog, boolean translationFlush) {

    public static final Path DEFAULT_TMP_ROOT = Path.of("/dev/shm");
    /** QEMU refuses a -bios image whose size is not a multiple of 64 KiB. */
    public static final int ROM_GRANULE = 64 << 10;
    private static final long MIB = 1L << 20;
    /** The most RAM jkexec asks QEMU to keep below 4 GiB: its default 3.5 GiB, clear of the PCI hole and the ROM. */
    public static final long MAX_RAM_BELOW_4G = 0xE000_0000L;

    public QemuConfig {
        Objects.requireNonNull(rom, "rom");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(tmpRoot, "tmpRoot");
        Objects.requireNonNull(qemuBinary, "qemuBinary");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(qmp, "qmp");
        Objects.requireNonNull(console, "console");
        Objects.requireNonNull(usableSpace, "usableSpace");
        if (ramBytes <= 0 || ramBytes % MIB != 0) {
            throw new IllegalArgumentException("memory " + ramBytes + " is not a positive multiple of 1 MiB");
        }
        if (ramBelow4g != 0 && (ramBelow4g < 0 || ramBelow4g % MIB != 0 || ramBelow4g >= ramBytes
                || ramBelow4g > MAX_RAM_BELOW_4G)) {
            throw new IllegalArgumentException("max-ram-below-4g " + ramBelow4g + " is not a multiple of 1 MiB below the memory "
                    + ramBytes + " and at most " + MAX_RAM_BELOW_4G);
        }
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus " + cpus + " < 1");
        }
        if (rom.length == 0 || rom.length % ROM_GRANULE != 0) {
            throw new IllegalArgumentException("ROM size " + rom.length + " is not a non-zero multiple of 64 KiB");
        }
        rom = rom.clone();
        extraArgs = List.copyOf(extraArgs);
    }

    /** A builder with the defaults: detected accelerator, {@code /dev/shm}, {@code qemu-system-x86_64} on PATH, no pvpanic, no gdbstub (but under TCG the private translation-flush one), no doorbell, 10 s to start. */
    public static Builder builder() {
        return new Builder();
    }

    /** A copy of the ROM image. */
    @Override
    public byte[] rom() {
        return rom.clone();
    }

    /** The settings of a {@link QemuConfig}, mutable until {@link #build}. */
    public static final class Builder {
        private Optional<Accel> accel = Optional.empty();
        private Path tmpRoot = DEFAULT_TMP_ROOT;
        private Path qemuBinary = Path.of(QemuCommandLine.DEFAULT_BINARY);
        private boolean pvpanic;
        private boolean gdbStub;
        private boolean doorbell;
        private Duration startTimeout = Duration.ofSeconds(10);
        private QmpOptions qmp = QmpOptions.defaults();
        private ConsoleOptions console = ConsoleOptions.defaults();
        private UsableSpace usableSpace = UsableSpace.fileSystem();
        private List<String> extraArgs = List.of();
        private boolean cpuResetLog;
        private boolean translationFlush = true;

        private Builder() {
        }

        /** Forces an accelerator; empty detects one. */
        public Builder accel(Optional<Accel> a) {
            accel = Objects.requireNonNull(a, "accel");
            return this;
        }

        public Builder tmpRoot(Path p) {
            tmpRoot = Objects.requireNonNull(p, "tmpRoot");
            return this;
        }

        public Builder qemuBinary(Path p) {
            qemuBinary = Objects.requireNonNull(p, "qemuBinary");
            return this;
        }

        public Builder pvpanic(boolean on) {
            pvpanic = on;
            return this;
        }

        public Builder gdbStub(boolean on) {
            gdbStub = on;
            return this;
        }

        /** The private gdbstub that flushes TCG's translations at a handover (default on; ignored under KVM or with {@link #gdbStub}). */
        public Builder translationFlush(boolean on) {
            translationFlush = on;
            return this;
        }

        public Builder doorbell(boolean on) {
            doorbell = on;
            return this;
        }

        public Builder startTimeout(Duration d) {
            startTimeout = Objects.requireNonNull(d, "startTimeout");
            return this;
        }

        public Builder qmp(QmpOptions o) {
            qmp = Objects.requireNonNull(o, "qmp");
            return this;
        }

        public Builder console(ConsoleOptions o) {
            console = Objects.requireNonNull(o, "console");
            return this;
        }

        public Builder usableSpace(UsableSpace s) {
            usableSpace = Objects.requireNonNull(s, "usableSpace");
            return this;
        }

        /** Log every vCPU's state before each reset, for {@link QemuMachine#lastCpuResetState()}. */
        public Builder cpuResetLog(boolean on) {
            cpuResetLog = on;
            return this;
        }

        public Builder extraArgs(List<String> args) {
            extraArgs = List.copyOf(args);
            return this;
        }

        /**
         * The validated configuration of a machine with {@code ramBytes} of RAM, {@code cpus}
         * vCPUs and {@code rom} as its firmware.
         *
         * @throws IllegalArgumentException naming the value that cannot make a machine
         */
        public QemuConfig build(long ramBytes, int cpus, byte[] rom) {
            return build(ramBytes, 0, cpus, rom);
        }

        /**
         * The same, with RAM split at {@code ramBelow4g} ({@code max-ram-below-4g}; 0: QEMU's default).
         *
         * @throws IllegalArgumentException naming the value that cannot make a machine
         */
        public QemuConfig build(long ramBytes, long ramBelow4g, int cpus, byte[] rom) {
            return new QemuConfig(ramBytes, ramBelow4g, cpus, rom, accel, tmpRoot, qemuBinary, pvpanic, gdbStub, doorbell, startTimeout, qmp,
                    console, usableSpace, extraArgs, cpuResetLog, translationFlush);
        }
    }
}
