package dev.jkexec.qemu;

import dev.jkexec.qemu.process.Accel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * QEMU's command line for a {@link QemuConfig}, once the machine's work directory holds its files:
 * {@link #arguments()} renders the config, nothing is stored twice.
 *
 * <p>The rendered machine, in order: {@code -machine pc} with RAM from a shared
 * {@code memory-backend-file} whose size equals {@code -m} (QEMU requires it); our ROM as
 * {@code -bios}; no default devices, no config file, no display; started paused ({@code -S}); QMP
 * and the first serial port on Unix-socket chardevs in server mode that do not wait for a client
 * (jkexec connects to both before {@code cont}, so no output is lost); optionally a
 * {@code pvpanic-pci} device with {@code -action panic=pause}, so a guest panic leaves the machine
 * stopped in {@code guest-panicked} instead of QEMU exiting (its default); optionally a gdbstub on a
 * Unix socket; optionally the doorbell, a second serial port on a Unix socket of the same kind
 * (rendered right after the first, so it is COM2).
 *
 * <p>Not used, on purpose: {@code -action reboot=shutdown}. It would stop a guest that resets in a
 * loop, but QEMU 7.2 applies it to QMP's {@code system_reset} too (measured: the reset becomes a
 * shutdown), and jkexec's exec path resets the machine. Guest resets show up as QMP
 * {@code RESET} events with {@code guest: true}.
 *
 * <p>Option values are escaped for QEMU's option syntax (a comma in a path is doubled).
 *
 * @param config       the machine's hardware: binary, RAM ({@code -m} and the backend size), vCPUs,
 *                     pvpanic, extra arguments
 * @param accel        the accelerator chosen for it ({@code Accel.choose})
 * @param ramFile      the shared RAM file
 * @param rom          the firmware file ({@code -bios})
 * @param qmpSocket    QMP's Unix socket
 * @param serialSocket the first serial port's Unix socket
 * @param gdbSocket    the gdbstub's Unix socket, when the config asks for one
 * @param doorbellSocket the doorbell serial port's Unix socket, when the config asks for one
 * @param cpuResetLog  where QEMU logs every vCPU's state before each reset ({@code -d cpu_reset -D}),
 *                     when the config asks for it
 */
public record QemuCommandLine(QemuConfig config, Accel accel, Path ramFile, Path rom, Path qmpSocket,
                              Path serialSocket, Optional<Path> gdbSocket, Optional<Path> doorbellSocket,
                              Optional<Path> cpuResetLog) {

    public static final String DEFAULT_BINARY = "qemu-system-x86_64";
    /**
     * The doorbell's serial port: QEMU numbers {@code -serial} devices in order, so the second is
     * COM2 (I/O port 0x2F8, IRQ 3), the guest's {@code ttyS1}.
     */
    public static final int DOORBELL_SERIAL_INDEX = 1;
    private static final long MIB = 1L << 20;

    public QemuCommandLine {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(ramFile, "ramFile");
        Objects.requireNonNull(rom, "rom");
        Objects.requireNonNull(qmpSocket, "qmpSocket");
        Objects.requireNonNull(serialSocket, "serialSocket");
        Objects.requireNonNull(gdbSocket, "gdbSocket");
        Objects.requireNonNull(doorbellSocket, "doorbellSocket");
        Objects.requireNonNull(cpuResetLog, "cpuResetLog");
    }

    /** A command line without a CPU reset log. */
    public QemuCommandLine(QemuConfig config, Accel accel, Path ramFile, Path rom, Path qmpSocket, Path serialSocket,
                           Optional<Path> gdbSocket, Optional<Path> doorbellSocket) {
        this(config, accel, ramFile, rom, qmpSocket, serialSocket, gdbSocket, doorbellSocket, Optional.empty());
    }

    /** The QEMU executable ({@link QemuConfig#qemuBinary()}). */
    public Path binary() {
        return config.qemuBinary();
    }

    /** The arguments after the binary. */
    public List<String> arguments() {
        String mem = (config.ramBytes() / MIB) + "M";
        List<String> a = new ArrayList<>(List.of(
                "-machine", "pc,memory-backend=ram"
                        + (config.ramBelow4g() == 0 ? "" : ",max-ram-below-4g=" + config.ramBelow4g() / MIB + "M"),
                "-accel", accel.qemuName(),
                "-m", mem,
                "-smp", Integer.toString(config.cpus()),
                "-object", "memory-backend-file,id=ram,size=" + mem + ",mem-path=" + escape(ramFile) + ",share=on",
                "-bios", rom.toString(),
                "-nodefaults", "-no-user-config", "-display", "none", "-S",
                "-chardev", serverSocket("qmp", qmpSocket), "-mon", "chardev=qmp,mode=control",
                "-chardev", serverSocket("ser0", serialSocket), "-serial", "chardev:ser0"));
        doorbellSocket.ifPresent(d -> a.addAll(List.of("-chardev", serverSocket("ser1", d), "-serial", "chardev:ser1")));
        if (config.pvpanic()) {
            a.addAll(List.of("-device", "pvpanic-pci", "-action", "panic=pause"));
        }
        gdbSocket.ifPresent(g -> a.addAll(List.of("-chardev", serverSocket("gdb", g), "-gdb", "chardev:gdb")));
        cpuResetLog.ifPresent(log -> a.addAll(List.of("-d", "cpu_reset", "-D", log.toString())));
        a.addAll(config.extraArgs());
        return List.copyOf(a);
    }

    /** The binary followed by {@link #arguments()}. */
    public List<String> command() {
        List<String> c = new ArrayList<>();
        c.add(binary().toString());
        c.addAll(arguments());
        return List.copyOf(c);
    }

    private static String serverSocket(String id, Path path) {
        return "socket,id=" + id + ",path=" + escape(path) + ",server=on,wait=off";
    }

    /** QEMU's option syntax: a literal comma inside a value is written twice. */
    static String escape(Path path) {
        return path.toString().replace(",", ",,");
    }
}
