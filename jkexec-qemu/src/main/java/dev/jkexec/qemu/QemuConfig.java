package dev.jkexec.qemu;

import dev.jkexec.qemu.console.ConsoleOptions;
import dev.jkexec.qemu.process.Accel;
import dev.jkexec.qemu.process.QemuCommandLine;
import dev.jkexec.qemu.qmp.QmpOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to start a {@link QemuMachine}. Build with {@link #of(long, int, byte[])} and the
 * {@code with*} methods.
 *
 * @param ramBytes     all RAM QEMU has ({@code -m}), a positive multiple of 1 MiB below 3.5 GiB
 * @param cpus         vCPUs ({@code -smp})
 * @param rom          the firmware image, a non-empty multiple of 64 KiB, mapped to end at 4 GiB
 * @param accel        an explicit accelerator ({@code --accel}); empty: detect ({@link Accel#choose})
 * @param tmpRoot      where the private work directory (RAM file, ROM, sockets) goes; a tmpfs
 * @param qemuBinary   a name looked up on PATH, or a path
 * @param pvpanic      add {@code pvpanic-pci} with {@code -action panic=pause}
 * @param gdbStub      open a gdbstub socket ({@link QemuMachine#gdbSocket()})
 * @param startTimeout how long QEMU may take to open its sockets
 * @param qmp          QMP client limits and call timeout
 * @param console      console history, line limit, log file
 * @param usableSpace  how free space is measured before the RAM file is created (a test seam)
 * @param extraArgs    appended to QEMU's command line verbatim (experiments, tests)
 */
public record QemuConfig(
        long ramBytes, int cpus, byte[] rom, Optional<Accel> accel, Path tmpRoot, Path qemuBinary,
        boolean pvpanic, boolean gdbStub, Duration startTimeout, QmpOptions qmp, ConsoleOptions console,
        UsableSpace usableSpace, List<String> extraArgs) {

    public static final Path DEFAULT_TMP_ROOT = Path.of("/dev/shm");
    /** QEMU refuses a -bios image whose size is not a multiple of 64 KiB. */
    public static final int ROM_GRANULE = 64 << 10;

    public QemuConfig {
        Objects.requireNonNull(rom, "rom");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(tmpRoot, "tmpRoot");
        Objects.requireNonNull(qemuBinary, "qemuBinary");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(qmp, "qmp");
        Objects.requireNonNull(console, "console");
        Objects.requireNonNull(usableSpace, "usableSpace");
        if (rom.length == 0 || rom.length % ROM_GRANULE != 0) {
            throw new IllegalArgumentException("ROM size " + rom.length + " is not a non-zero multiple of 64 KiB");
        }
        rom = rom.clone();
        extraArgs = List.copyOf(extraArgs);
    }

    /** Defaults: detected accelerator, {@code /dev/shm}, {@code qemu-system-x86_64} on PATH, no pvpanic, no gdbstub, 10 s to start. */
    public static QemuConfig of(long ramBytes, int cpus, byte[] rom) {
        return new QemuConfig(ramBytes, cpus, rom, Optional.empty(), DEFAULT_TMP_ROOT, Path.of(QemuCommandLine.DEFAULT_BINARY),
                false, false, Duration.ofSeconds(10), QmpOptions.defaults(), ConsoleOptions.defaults(),
                UsableSpace.fileSystem(), List.of());
    }

    /** A copy of the ROM image. */
    @Override
    public byte[] rom() {
        return rom.clone();
    }

    public QemuConfig withAccel(Optional<Accel> a) {
        return new QemuConfig(ramBytes, cpus, rom, a, tmpRoot, qemuBinary, pvpanic, gdbStub, startTimeout, qmp, console, usableSpace, extraArgs);
    }

    public QemuConfig withTmpRoot(Path p) {
        return new QemuConfig(ramBytes, cpus, rom, accel, p, qemuBinary, pvpanic, gdbStub, startTimeout, qmp, console, usableSpace, extraArgs);
    }

    public QemuConfig withQemuBinary(Path p) {
        return new QemuConfig(ramBytes, cpus, rom, accel, tmpRoot, p, pvpanic, gdbStub, startTimeout, qmp, console, usableSpace, extraArgs);
    }

    public QemuConfig withPvpanic(boolean on) {
        return new QemuConfig(ramBytes, cpus, rom, accel, tmpRoot, qemuBinary, on, gdbStub, startTimeout, qmp, console, usableSpace, extraArgs);
    }

    public QemuConfig withGdbStub(boolean on) {
        return new QemuConfig(ramBytes, cpus, rom, accel, tmpRoot, qemuBinary, pvpanic, on, startTimeout, qmp, console, usableSpace, extraArgs);
    }

    public QemuConfig withStartTimeout(Duration d) {
        return new QemuConfig(ramBytes, cpus, rom, accel, tmpRoot, qemuBinary, pvpanic, gdbStub, d, qmp, console, usableSpace, extraArgs);
    }

    public QemuConfig withQmp(QmpOptions o) {
        return new QemuConfig(ramBytes, cpus, rom, accel, tmpRoot, qemuBinary, pvpanic, gdbStub, startTimeout, o, console, usableSpace, extraArgs);
    }

    public QemuConfig withConsole(ConsoleOptions o) {
        return new QemuConfig(ramBytes, cpus, rom, accel, tmpRoot, qemuBinary, pvpanic, gdbStub, startTimeout, qmp, o, usableSpace, extraArgs);
    }

    public QemuConfig withUsableSpace(UsableSpace s) {
        return new QemuConfig(ramBytes, cpus, rom, accel, tmpRoot, qemuBinary, pvpanic, gdbStub, startTimeout, qmp, console, s, extraArgs);
    }

    public QemuConfig withExtraArgs(List<String> args) {
        return new QemuConfig(ramBytes, cpus, rom, accel, tmpRoot, qemuBinary, pvpanic, gdbStub, startTimeout, qmp, console, usableSpace, args);
    }
}
