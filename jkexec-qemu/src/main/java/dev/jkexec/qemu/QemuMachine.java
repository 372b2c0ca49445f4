package dev.jkexec.qemu;

import dev.jkexec.platform.BootProfile;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.qemu.common.PeerDiagnosis;
import dev.jkexec.qemu.console.SerialConsole;
import dev.jkexec.qemu.cpu.CpuState;
import dev.jkexec.qemu.cpu.CpuStateParser;
import dev.jkexec.qemu.gdb.GdbException;
import dev.jkexec.qemu.gdb.GdbTimeoutException;
import dev.jkexec.qemu.gdb.TranslationFlush;
import dev.jkexec.qemu.process.Accel;
import dev.jkexec.qemu.process.AccelChoice;
import dev.jkexec.qemu.process.QemuProcess;
import dev.jkexec.qemu.process.QemuStartException;
import dev.jkexec.qemu.qmp.QmpClient;
import dev.jkexec.qemu.qmp.QmpStatus;
import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A QEMU machine owned by jkexec: shared guest RAM, the QEMU process, its QMP connection and its
 * serial console (and, if its config asks, the doorbell: a second serial port connected to
 * jkexec). Thin on purpose: firmware and boot logic live above it.
 *
 * <p>{@link #start} returns a machine that exists but has not run an instruction (state
 * {@code prelaunch}): RAM is mapped and may be written, the console is already connected (nothing
 * the guest prints is lost), and {@link #resume()} starts the vCPUs at the ROM's reset vector.
 *
 * <p>Ownership: the machine owns its work directory, RAM mapping, QEMU process, QMP client and
 * console, and the doorbell's connection, and nothing else. Once QEMU has opened them, the RAM
 * file, the ROM file and the QMP, serial and doorbell socket names are unlinked: QEMU and jkexec keep using them, and a jkexec killed by SIGKILL
 * leaves no RAM behind in the tmpfs.
 *
 * <p>Death: if QEMU dies (killed, crashed), every QMP call and console wait fails at once with an
 * error that says how it died and carries its last output ({@link MachineException#qemuOutput()}).
 *
 * <p>{@link #close()} asks QEMU to quit over QMP, then SIGTERM, then SIGKILL (bounded waits), stops
 * the reader threads, unmaps RAM and deletes the work directory. It is idempotent and thread-safe;
 * the {@link ExitReaper} and {@code setpriv --pdeathsig} cover a JVM that exits without it.
 */
public final class QemuMachine implements AutoCloseable {
    private static final Duration EXIT_GRACE = Duration.ofSeconds(1);
    private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(3);
    /** How long the private gdbstub may take to answer (sub-millisecond when QEMU's main loop is free). */
    private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(5);
    private static final String NO_ANSWER_TO_QUERY = "gdbstub: no reply to '" + "?" + "' within the deadline";
    private static final String RAM_FILE = "ram";
    private static final String ROM_FILE = "firmware.rom";
    private static final String CPU_RESET_LOG = "cpu-reset.log";
    /** How much of the reset log's end {@link #lastCpuResetState()} reads: a few register dumps. */
    private static final int RESET_LOG_TAIL = 64 << 10;
    private static final java.util.regex.Pattern RESET_HEADER = java.util.regex.Pattern.compile("(?m)^CPU Reset \\(CPU (\\d+)\\)$");

    private final AccelChoice accel;
    private final long startNanos;
    private final WorkDirectory directory;
    private final GuestRam ram;
    private final QemuProcess qemu;
    private final QmpClient qmp;
    private final SerialConsole console;
    private final Optional<Path> gdbSocket;
    private final Optional<SocketChannel> doorbell;
    private final Optional<Path> cpuResetLog;
    /** The private gdbstub that empties TCG's translation cache; empty once it failed (then never again). */
    private Optional<TranslationFlush> translationFlush = Optional.empty();
    /** The flush to drain before each {@code cont}: set with {@link #translationFlush}, read without the machine's lock. */
    private volatile TranslationFlush drained;
    /** The private gdbstub's '?' round trip under way (null once settled or without one). */
    private volatile CompletableFuture<TranslationFlush> translationFlushOpening;
    private Optional<String> translationFlushFailure = Optional.empty();
    private boolean closed;

    private QemuMachine(AccelChoice accel, long startNanos, WorkDirectory directory, GuestRam ram,
            QemuProcess qemu, QmpClient qmp, SerialConsole console, Optional<Path> gdbSocket,
            Optional<SocketChannel> doorbell, Optional<Path> cpuResetLog, CompletableFuture<TranslationFlush> translationFlush) {
        this.accel = accel;
        this.startNanos = startNanos;
        this.directory = directory;
        this.ram = ram;
        this.qemu = qemu;
        this.qmp = qmp;
        this.console = console;
        this.gdbSocket = gdbSocket;
        this.doorbell = doorbell;
        this.cpuResetLog = cpuResetLog;
        this.translationFlushOpening = translationFlush;
        if (translationFlush != null) {
            qmp.beforeVcpuStart(this::beforeVcpuStart); // every cont, whoever sends it
        }
    }

    /**
     * Creates RAM, starts QEMU paused, connects QMP, the console and the doorbell. On failure
     * everything created so far is removed again. {@link #launch} then {@link Launch#finish()}.
     *
     * @throws RamSpaceException   not enough room for RAM in {@code config.tmpRoot()}
     * @throws MachineException    QEMU missing ({@code QemuNotFoundException}), failing to start
     *                             ({@link QemuStartException} with its output), KVM forced but unusable
     */
    public static QemuMachine start(QemuConfig config) {
        return launch(config).finish();
    }

    /**
     * The first half of {@link #start}: creates the work directory and RAM and spawns QEMU, without
     * waiting for QEMU to initialise. The returned launch's {@linkplain Launch#memory() RAM} may be
     * written at once, while QEMU initialises (QEMU writes no guest RAM before its first reset);
     * {@link Launch#finish()} connects QMP, the console and the doorbell. On failure everything
     * created so far is removed again; {@link Launch#close()} removes a launch never finished.
     *
     * @throws RamSpaceException   not enough room for RAM in {@code config.tmpRoot()}
     * @throws MachineException    QEMU missing or failing to spawn
     */
    public static Launch launch(QemuConfig config) {
        long startNanos = System.nanoTime();
        QemuProcess.prepare(); // the launcher thread starts while the directory and RAM are made
        AccelChoice accel = Accel.choose(config.accel());
        Launch l = new Launch(config, accel, startNanos);
        try {
            WorkDirectory dir = push(l.undo, WorkDirectory.create(config.tmpRoot()));
            l.dir = dir;
            l.ram = push(l.undo, GuestRam.create(dir.path(), RAM_FILE, config.ramBytes(),
                    config.ramBelow4g() == 0 ? config.ramBytes() : config.ramBelow4g(), config.usableSpace()));
            BootProfile.mark("qemu: work directory and RAM file created");
            l.rom = Files.write(dir.resolve(ROM_FILE), config.rom());
            l.qmpSocket = dir.resolve("qmp.sock");
            l.serialSocket = dir.resolve("serial.sock");
            l.gdb = config.gdbStub() ? Optional.of(dir.resolve("gdb.sock")) : Optional.empty();
            // QEMU has one gdbstub: a debugger's (gdbStub) takes it; under KVM nothing needs flushing.
            l.flushSocket = config.translationFlush() && !config.gdbStub() && accel.accel() == Accel.TCG
                    ? Optional.of(dir.resolve("flush.sock")) : Optional.empty();
            l.doorbellSocket = config.doorbell() ? Optional.of(dir.resolve("doorbell.sock")) : Optional.empty();
            l.resetLog = config.cpuResetLog() ? Optional.of(dir.resolve(CPU_RESET_LOG)) : Optional.empty();
            QemuCommandLine commandLine = new QemuCommandLine(config, accel.accel(), l.ram.file(), l.rom, l.qmpSocket,
                    l.serialSocket, l.gdb.or(() -> l.flushSocket), l.doorbellSocket, l.resetLog);
            l.qemu = push(l.undo, QemuProcess.start(commandLine.binary(), commandLine.arguments()));
            BootProfile.mark("qemu: process spawned");
            return l;
        } catch (RuntimeException | IOException e) {
            throw l.fail(e);
        }
    }

    /**
     * A QEMU spawned by {@link #launch} and not yet connected: its RAM is mapped and may be written
     * (nothing has run); {@link #finish()} makes the machine. Owns everything made so far until
     * {@link #finish()} succeeds; {@link #close()} (or a failing {@link #finish()}) removes it all.
     * Not thread-safe: one thread finishes or closes it.
     */
    public static final class Launch implements AutoCloseable {
        private final QemuConfig config;
        private final AccelChoice accel;
        private final long startNanos;
        private final Deque<AutoCloseable> undo = new ArrayDeque<>();
        private WorkDirectory dir;
        private GuestRam ram;
        private Path rom;
        private Path qmpSocket;
        private Path serialSocket;
        private Optional<Path> gdb;
        private Optional<Path> flushSocket;
        private Optional<Path> doorbellSocket;
        private Optional<Path> resetLog;
        private QemuProcess qemu;
        /** Set once {@link #finish()} succeeded: the machine owns everything then. */
        private boolean finished;

        private Launch(QemuConfig config, AccelChoice accel, long startNanos) {
            this.config = config;
            this.accel = accel;
            this.startNanos = startNanos;
        }

        /** Guest-physical memory, shared with QEMU: writable before {@link #finish()}, as the machine's. */
        public PhysicalMemory memory() {
            return ram.memory();
        }

        /**
         * Whether a guest instruction may have executed yet: only with a gdbstub (its debugger could
         * continue the machine); nothing else can start the vCPUs before QMP is connected ({@link #finish()}).
         */
        public boolean vcpusMayHaveRun() {
            return gdb.isPresent();
        }

        /** The accelerator QEMU runs with. */
        public AccelChoice accel() {
            return accel;
        }

        /**
         * Connects QMP (its handshake completes once QEMU has initialised), the console and the
         * doorbell, unlinks the files QEMU opened, and returns the machine, paused in {@code prelaunch}.
         * On failure everything the launch made is removed.
         *
         * @throws MachineException QEMU failing to start ({@link QemuStartException} with its output)
         */
        public QemuMachine finish() {
            if (finished || qemu == null) {
                throw new IllegalStateException("this launch was finished or closed already");
            }
            try {
                QemuProcess q = qemu;
                Supplier<PeerDiagnosis> diagnosis = () -> q.diagnose(EXIT_GRACE);
                long deadline = startNanos + config.startTimeout().toNanos();
                SocketChannel qmpChannel = qemu.connect(qmpSocket, config.startTimeout());
                BootProfile.mark("qemu: QMP socket accepted");
                QmpClient qmp = push(undo, QmpClient.start(qmpChannel, config.qmp(), diagnosis));
                BootProfile.mark("qemu: QMP handshake done (QEMU initialised)");
                // Connected before the first cont: the console sees the guest's very first byte.
                SerialConsole console = push(undo, SerialConsole.start(
                        qemu.connect(serialSocket, Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000))),
                        startNanos, config.console(), diagnosis));
                Optional<SocketChannel> doorbell = Optional.empty();
                if (doorbellSocket.isPresent()) {
                    doorbell = Optional.of(push(undo, qemu.connect(doorbellSocket.get(),
                            Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000)))));
                }
                CompletableFuture<TranslationFlush> flush = null;
                if (flushSocket.isPresent()) {
                    // Connected here, its '?' round trip (2-7 ms at a cold start, mostly the JVM's)
                    // on a thread of its own: the machine settles it before anything can start the
                    // vCPUs (settleTranslationFlush), so the stub's connect-time vm_stop still finds
                    // the machine in prelaunch.
                    SocketChannel ch = push(undo, qemu.connect(flushSocket.get(),
                            Duration.ofNanos(Math.max(deadline - System.nanoTime(), 1_000_000))));
                    CompletableFuture<TranslationFlush> opening = new CompletableFuture<>();
                    push(undo, () -> opening.thenAccept(TranslationFlush::close));
                    Thread.ofPlatform().daemon().name("jkexec-translation-flush-open").start(() -> {
                        try {
                            opening.complete(TranslationFlush.open(ch, FLUSH_TIMEOUT));
                            BootProfile.mark("qemu: translation-flush gdbstub connected");
                        } catch (RuntimeException e) {
                            opening.completeExceptionally(e);
                        }
                    });
                    flush = opening;
                }
                BootProfile.mark("qemu: console and doorbell connected");
                // The QMP handshake completes only after QEMU's initialization: RAM and ROM are open.
                ram.unlink();
                Files.deleteIfExists(rom);
                Files.deleteIfExists(qmpSocket);
                Files.deleteIfExists(serialSocket);
                if (doorbellSocket.isPresent()) {
                    Files.deleteIfExists(doorbellSocket.get());
                }
                if (flushSocket.isPresent()) {
                    Files.deleteIfExists(flushSocket.get());
                }
                QemuMachine m = new QemuMachine(accel, startNanos, dir, ram, qemu, qmp, console, gdb, doorbell, resetLog, flush);
                finished = true;
                undo.clear();
                return m;
            } catch (RuntimeException | IOException e) {
                throw fail(e);
            }
        }

        /** Removes everything made so far, and returns the error to throw for {@code e}. */
        private MachineException fail(Exception e) {
            MachineException failure = startFailure(qemu, e);
            undoAll(failure);
            return failure;
        }

        private void undoAll(Exception failure) {
            qemu = null; // nothing left to finish
            while (!undo.isEmpty()) {
                try {
                    undo.pop().close();
                } catch (Exception suppressed) {
                    if (failure != null) {
                        failure.addSuppressed(suppressed);
                    }
                }
            }
        }

        /** Removes a launch not finished (QEMU killed, RAM unmapped, the directory deleted); after {@link #finish()}: nothing. Idempotent. */
        @Override
        public void close() {
            if (!finished) {
                undoAll(null);
            }
        }
    }

    private static <T extends AutoCloseable> T push(Deque<AutoCloseable> undo, T resource) {
        undo.push(resource);
        return resource;
    }

    /** QEMU dying during start-up explains more than the QMP or console error it caused. */
    private static MachineException startFailure(QemuProcess qemu, Exception e) {
        if (e instanceof QemuStartException s) {
            return s;
        }
        if (qemu != null && qemu.awaitExit(EXIT_GRACE)) {
            QemuStartException s = qemu.startFailure();
            s.addSuppressed(e);
            return s;
        }
        if (e instanceof MachineException m) {
            return m;
        }
        return new MachineException("cannot start the machine: " + e.getMessage(), e);
    }

    /** The accelerator QEMU runs with, and why it was chosen. */
    public AccelChoice accel() {
        return accel;
    }

    /** Guest-physical memory, shared with QEMU (split around the PCI hole when RAM is). Invalid after {@link #close()}. */
    public PhysicalMemory memory() {
        return ram.memory();
    }

    public QmpClient qmp() {
        return qmp;
    }

    public SerialConsole console() {
        return console;
    }

    /** QEMU's process id. */
    public long pid() {
        return qemu.pid();
    }

    public boolean isAlive() {
        return qemu.isAlive();
    }

    /** Completes when QEMU exits, for any reason. */
    public CompletableFuture<?> onExit() {
        return qemu.onExit();
    }

    /** What QEMU is doing or how it ended, in one line. */
    public String describeProcess() {
        return qemu.describeState();
    }

    /** The last few KiB of QEMU's output. */
    public String qemuOutput() {
        return qemu.output();
    }

    /** The gdbstub's Unix socket, if {@link QemuConfig#gdbStub()} was set. */
    public Optional<Path> gdbSocket() {
        return gdbSocket;
    }

    /**
     * The doorbell's connection, if {@link QemuConfig#doorbell()} was set: the guest's second serial
     * port (COM2), connected before the first instruction. Its reader is the owner's; it is closed
     * with the machine.
     */
    public Optional<SocketChannel> doorbell() {
        return doorbell;
    }

    /** The private work directory (deleted on close). */
    public Path workDirectory() {
        return directory.path();
    }

    /** {@link System#nanoTime()} when {@link #start} began: the origin of console line times. */
    public long startNanos() {
        return startNanos;
    }

    /**
     * The state vCPU 0 was in just before the machine's last reset, from QEMU's
     * {@code -d cpu_reset} log ({@link QemuConfig#cpuResetLog()}): after a guest's triple fault,
     * the state it died in. Empty without the log or before any reset; an unreadable dump is
     * empty too (the log is QEMU's debug output, not an interface).
     */
    public Optional<CpuState> lastCpuResetState() {
        if (cpuResetLog.isEmpty() || !Files.isRegularFile(cpuResetLog.get())) {
            return Optional.empty();
        }
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(cpuResetLog.get())) {
            long size = ch.size();
            long from = Math.max(0, size - RESET_LOG_TAIL);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) (size - from));
            ch.read(buf, from);
            String tail = new String(buf.array(), 0, buf.position(), java.nio.charset.StandardCharsets.ISO_8859_1);
            java.util.regex.Matcher m = RESET_HEADER.matcher(tail);
            int last = -1;
            String cpu = null;
            while (m.find()) {
                if (m.group(1).equals("0")) {
                    last = m.end();
                    cpu = m.group(1);
                }
            }
            if (last < 0) {
                return Optional.empty();
            }
            int end = tail.indexOf("CPU Reset", last);
            String dump = "CPU#" + cpu + tail.substring(last, end < 0 ? tail.length() : end);
            return Optional.of(CpuStateParser.parse(dump).getFirst());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether a guest instruction may have executed in this QEMU since it started (paused, {@code -S}):
     * a command that can start the vCPUs went over QMP ({@link QmpClient#vcpusMayHaveRun}), or a
     * gdbstub is configured (a debugger can continue the machine without QMP). While this is false,
     * TCG holds no translated code at all, so nothing the host writes into RAM can be stale.
     */
    public boolean vcpusMayHaveRun() {
        return gdbSocket.isPresent() || qmp.vcpusMayHaveRun();
    }

    /** Starts or resumes the vCPUs ({@code cont}). */
    public void resume() {
        qmp.cont();
    }

    /** Stops the vCPUs ({@code stop}). */
    public void pause() {
        qmp.stop();
    }

    /** Resets the machine ({@code system_reset}); a paused machine stays paused, in {@code prelaunch}. RAM is kept. */
    public void reset() {
        qmp.systemReset();
    }

    /**
     * Resets the machine and starts its vCPUs, {@code system_reset} and {@code cont} sent back to
     * back ({@link QmpClient#resetAndResume()}: why that is the same as one after the other).
     */
    public void resetAndResume() {
        qmp.resetAndResume();
    }

    /**
     * Waits for the private gdbstub's {@code ?} answer (started at {@link Launch#finish()}): after
     * it, QEMU has seen the connection and made its connect-time {@code vm_stop}, so a {@code cont}
     * can follow. QMP runs it before every command that may start the vCPUs
     * ({@link QmpClient#beforeVcpuStart}). A refusal or a malformed answer leaves the machine without the flush (execs use
     * the DMA step, {@link #translationFlushFailure()} says why); no answer at all is thrown, since
     * QEMU could still act on the connection after a {@code cont} and pause the guest.
     *
     * @throws GdbTimeoutException the stub did not answer within its deadline
     */
    private void settleTranslationFlush() {
        if (translationFlushOpening != null) {
            settleTranslationFlushLocked();
        }
    }

    /** Before every command that may start the vCPUs: the stub settled, and its stop reports read away ({@link TranslationFlush#drain}). */
    private void beforeVcpuStart() {
        settleTranslationFlush();
        TranslationFlush f = drained;
        if (f != null) {
            f.drain();
        }
    }

    private synchronized void settleTranslationFlushLocked() {
        CompletableFuture<TranslationFlush> opening = translationFlushOpening;
        if (opening == null) {
            return;
        }
        translationFlushOpening = null;
        try {
            translationFlush = Optional.of(opening.get(FLUSH_TIMEOUT.toMillis() + 1000, java.util.concurrent.TimeUnit.MILLISECONDS));
            drained = translationFlush.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof GdbTimeoutException t) {
                throw t;
            }
            if (e.getCause() instanceof GdbException g) {
                translationFlushFailure = Optional.of(g.getMessage());
                return;
            }
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new GdbTimeoutException(NO_ANSWER_TO_QUERY);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GdbTimeoutException(NO_ANSWER_TO_QUERY);
        }
    }

    /** Whether {@link #resetAndFlushTranslations()} can flush: TCG, the private gdbstub connected and not failed. */
    public synchronized boolean canFlushTranslations() {
        settleTranslationFlush();
        return translationFlush.isPresent();
    }

    /** Why the translation flush failed and was given up, if it did (the gdbstub's error). */
    public synchronized Optional<String> translationFlushFailure() {
        settleTranslationFlush();
        return translationFlushFailure;
    }

    /**
     * Resets the stopped machine ({@code system_reset}), then empties TCG's whole translation cache
     * ({@link TranslationFlush}: one single step at the reset vector), leaving the vCPUs stopped;
     * {@link #resume()} starts them. Returns whether the cache was flushed: false if there is no
     * private gdbstub, or if it failed (its error is kept, {@link #translationFlushFailure()}, and it
     * is not used again); the machine is reset either way, and stopped unless the failed step let
     * it run (a correct machine all the same: nothing depends on the flush but speed).
     *
     * @throws MachineException {@code system_reset} failed
     */
    public synchronized boolean resetAndFlushTranslations() {
        settleTranslationFlush();
        qmp.systemReset();
        if (translationFlush.isEmpty()) {
            return false;
        }
        try {
            translationFlush.get().flush(FLUSH_TIMEOUT);
            return true;
        } catch (GdbException e) {
            drained = null;
            translationFlush.get().close();
            translationFlush = Optional.empty();
            translationFlushFailure = Optional.of(e.getMessage());
            return false;
        }
    }

    /**
     * Stops the vCPUs and asks for their registers in one go ({@link QmpClient#stopThenHmp}):
     * QEMU dumps the registers right after it stopped the vCPUs, without jkexec's round trip in
     * between. Returns once {@code stop} has answered (the vCPUs are stopped: work that needs a
     * still guest may start); the registers come with {@link PendingCpuStates#await()}.
     *
     * @throws MachineException {@code stop} failed (the register read is abandoned)
     */
    public PendingCpuStates stopForCpuStates() {
        QmpClient.Call regs = qmp.stopThenHmp("info registers -a");
        return () -> CpuStateParser.parse(QmpClient.hmpOutput(regs.await()));
    }

    /** The registers asked for by {@link #stopForCpuStates()}, read from the stopped vCPUs. */
    @FunctionalInterface
    public interface PendingCpuStates {
        /** Waits for QEMU's register dump and parses it (as {@link #cpuStates()}). */
        List<CpuState> await();
    }

    public QmpStatus status() {
        return qmp.queryStatus();
    }

    /** Every vCPU's registers ({@code info registers -a}); consistent only while paused. */
    public List<CpuState> cpuStates() {
        return CpuStateParser.parse(qmp.humanMonitorCommand("info registers -a"));
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        MachineException failure = null;
        if (qemu.isAlive() && qmp.isOpen()) {
            try {
                qmp.quit(QUIT_TIMEOUT);
            } catch (MachineException _) {
                // A QEMU that will not quit politely is terminated below.
            }
            qemu.awaitExit(QUIT_TIMEOUT);
        }
        List<AutoCloseable> steps = new ArrayList<>(List.of(qemu, console, qmp));
        translationFlush.ifPresent(steps::add);
        if (translationFlushOpening != null) {
            CompletableFuture<TranslationFlush> opening = translationFlushOpening;
            translationFlushOpening = null;
            steps.add(() -> opening.thenAccept(TranslationFlush::close)); // QEMU is gone by then: it fails or closes
        }
        doorbell.ifPresent(steps::add);
        steps.addAll(List.of(ram, directory));
        for (AutoCloseable step : steps) {
            try {
                step.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = e instanceof MachineException m ? m : new MachineException("closing the machine: " + e.getMessage(), e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
