package dev.jkexec.qemu.process;

import dev.jkexec.qemu.common.ExitReaper;
import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.qemu.common.PeerDiagnosis;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One running {@code qemu-system-x86_64}, owned by whoever called {@link #start}.
 *
 * <p>Lifetime guarantees: QEMU is started by the {@link QemuLauncher} thread under
 * {@code setpriv --pdeathsig KILL} (so the kernel kills it if the JVM dies without running hooks)
 * and registered with the {@link ExitReaper} (so a normal exit, Ctrl-C or SIGTERM kills it).
 * {@link #close()} sends SIGTERM, then SIGKILL, with bounded waits, and returns once the process is
 * gone. QEMU's stdout and stderr are merged and their last {@value #OUTPUT_TAIL} bytes kept for error
 * messages ({@link #output()}); a daemon thread drains them so QEMU never blocks on a full pipe.
 *
 * <p>This class knows nothing of QMP: asking QEMU to quit politely is the machine's job.
 */
public final class QemuProcess implements AutoCloseable {
    /** Bytes of QEMU output kept for error messages. */
    public static final int OUTPUT_TAIL = 8192;
    private static final Duration LAUNCH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration TERM_WAIT = Duration.ofSeconds(3);
    private static final Duration KILL_WAIT = Duration.ofSeconds(5);
    private static final long CONNECT_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final Map<Integer, String> SIGNALS = Map.of(
            1, "SIGHUP", 2, "SIGINT", 4, "SIGILL", 6, "SIGABRT", 7, "SIGBUS", 9, "SIGKILL",
            11, "SIGSEGV", 13, "SIGPIPE", 15, "SIGTERM");

    private final Process process;
    private final String name;
    private final OutputTail output = new OutputTail(OUTPUT_TAIL);
    private final Thread drain;

    private QemuProcess(Process process, String name) {
        this.process = process;
        this.name = name;
        this.drain = output.drain(process.getInputStream(), "jkexec-qemu-output-" + process.pid());
        process.onExit().thenRun(() -> ExitReaper.unregister(process.toHandle()));
    }

    /**
     * Starts {@code qemu} with {@code arguments}. Returns as soon as the process exists; use
     * {@link #connect} to wait for its sockets.
     *
     * @param qemu a name looked up on PATH, or a path ({@link #resolve})
     * @throws QemuNotFoundException if the binary or {@code setpriv} is missing
     */
    public static QemuProcess start(Path qemu, List<String> arguments) {
        Path binary = resolve(qemu).orElseThrow(() -> QemuNotFoundException.qemu(qemu));
        Path setpriv = resolve(Path.of("setpriv")).orElseThrow(QemuNotFoundException::setpriv);
        List<String> command = new ArrayList<>(List.of(setpriv.toString(), "--pdeathsig", "KILL", "--", binary.toString()));
        command.addAll(arguments);
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        try {
            return new QemuProcess(QemuLauncher.launch(pb, LAUNCH_TIMEOUT), binary.getFileName().toString());
        } catch (IOException e) {
            throw new QemuStartException("cannot run " + binary + ": " + e.getMessage(), OptionalInt.empty(), "", e);
        }
    }

    /**
     * Gets ready for {@link #start}: starts the thread that forks QEMU ({@link QemuLauncher}), so that
     * a caller with other work to do first (the machine's work directory and RAM) overlaps that
     * thread's start with it.
     */
    public static void prepare() {
        QemuLauncher.prestart();
    }

    /**
     * Finds an executable: a name without a slash is looked up on {@code PATH}, a path must exist
     * and be executable.
     */
    static Optional<Path> resolve(Path program) {
        if (program.toString().contains("/")) {
            return Files.isRegularFile(program) && Files.isExecutable(program)
                    ? Optional.of(program.toAbsolutePath()) : Optional.empty();
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir).resolve(program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Completes when QEMU has exited (for whatever reason). */
    public CompletableFuture<Process> onExit() {
        return process.onExit();
    }

    /** The exit status once QEMU has exited; a signal death shows as 128 + signal number. */
    public OptionalInt exitStatus() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /** The last {@value #OUTPUT_TAIL} bytes of QEMU's output. */
    public String output() {
        return output.text();
    }

    /** Waits up to {@code timeout} for QEMU to exit; true if it has. */
    public boolean awaitExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !process.isAlive();
        }
    }

    /**
     * What became of QEMU, for an error raised when one of its sockets closed: waits up to
     * {@code grace} for it to exit (a socket closes a moment before the process is reaped).
     */
    public PeerDiagnosis diagnose(Duration grace) {
        awaitExit(grace);
        return new PeerDiagnosis(describeState(), outputAfterExit());
    }

    /** {@code "qemu-system-x86_64 (pid 12) was killed by SIGKILL"}, {@code "... exited with status 1"}, {@code "... is running"}. */
    public String describeState() {
        String who = name + " (pid " + process.pid() + ")";
        if (process.isAlive()) {
            return who + " is still running";
        }
        int status = process.exitValue();
        String signal = status > 128 ? SIGNALS.get(status - 128) : null;
        return signal != null ? who + " was killed by " + signal : who + " exited with status " + status;
    }

    /**
     * Connects to one of QEMU's server sockets, retrying until QEMU has created it.
     *
     * @throws QemuStartException if QEMU exits first (quoting its output) or {@code timeout} passes
     */
    public SocketChannel connect(Path socket, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
        IOException last = null;
        while (true) {
            if (!process.isAlive()) {
                throw startFailure();
            }
            try {
                SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    channel.connect(address);
                    return channel;
                } catch (IOException e) {
                    channel.close();
                    throw e;
                }
            } catch (IOException e) {
                last = e; // Not listening yet: QEMU creates its sockets while it initializes.
            }
            if (System.nanoTime() - deadline > 0) {
                throw new QemuStartException(name + " did not open " + socket.getFileName() + " within "
                        + timeout.toMillis() + " ms (" + last.getMessage() + ")", OptionalInt.empty(), output(), last);
            }
            LockSupport.parkNanos(CONNECT_RETRY_NANOS);
        }
    }

    /** The error for a QEMU that exited while starting up. */
    public QemuStartException startFailure() {
        awaitExit(Duration.ofSeconds(1));
        String out = outputAfterExit();
        String last = PeerDiagnosis.lastLineOf(out);
        return new QemuStartException(describeState() + " during start-up" + (last.isEmpty() ? "" : ": " + last),
                exitStatus(), out, null);
    }

    /** Output once the drain thread has copied everything up to end of stream (bounded wait). */
    private String outputAfterExit() {
        if (!process.isAlive()) {
            try {
                drain.join(Duration.ofMillis(500)); // EOF comes with QEMU's exit; the last bytes follow shortly.
            } catch (InterruptedException _) {
                Thread.currentThread().interrupt();
            }
        }
        return output();
    }

    /** Sends SIGKILL without waiting. */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    /**
     * Makes sure QEMU is gone: SIGTERM, up to 3 s, SIGKILL, up to 5 s. Idempotent.
     *
     * @throws MachineException if QEMU survives SIGKILL (stuck in the kernel)
     */
    @Override
    public void close() {
        // Signals go through the ProcessHandle: Process.destroy() would also close the output pipe,
        // losing what QEMU says as it exits.
        if (process.isAlive()) {
            process.toHandle().destroy();
            if (!awaitExit(TERM_WAIT)) {
                process.toHandle().destroyForcibly();
                if (!awaitExit(KILL_WAIT)) {
                    throw new MachineException(describeState() + " after SIGKILL and " + KILL_WAIT.toSeconds() + " s");
                }
            }
        }
        ExitReaper.unregister(process.toHandle());
    }
}
