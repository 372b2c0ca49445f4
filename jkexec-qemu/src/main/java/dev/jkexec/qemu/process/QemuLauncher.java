package dev.jkexec.qemu.process;

import dev.jkexec.qemu.common.ExitReaper;
import dev.jkexec.qemu.common.MachineException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Starts every QEMU process from one dedicated platform thread that lives as long as the JVM.
 *
 * <p>Why one thread: QEMU runs under {@code setpriv --pdeathsig KILL}, and Linux sends the
 * parent-death signal when the <em>thread</em> that forked the child exits, not the process. A child
 * forked from a short-lived thread (a request handler, a test's executor) would be killed when that
 * thread ends. This thread never ends, so the signal fires exactly when the JVM dies.
 *
 * <p>A started process is registered with the {@link ExitReaper} on this thread, before anyone else
 * sees it; if the requester has given up meanwhile (timeout, interrupt), the process is killed here,
 * so no launch is ever orphaned.
 */
final class QemuLauncher {
    private record Request(ProcessBuilder builder, CompletableFuture<Process> result) {}

    private static final BlockingQueue<Request> REQUESTS = new LinkedBlockingQueue<>();

    static {
        Thread.ofPlatform().daemon().name("jkexec-qemu-launcher").start(QemuLauncher::serve);
    }

    private QemuLauncher() {}

    /**
     * Starts the launcher thread now if it is not running yet (its class initialisation does), so
     * that the first {@link #launch} finds it waiting instead of paying for its start.
     */
    static void prestart() {
        // Nothing to do here: calling this method initialises the class.
    }

    /** Starts {@code builder} on the launcher thread and returns the process. */
    static Process launch(ProcessBuilder builder, Duration timeout) throws IOException {
        CompletableFuture<Process> result = new CompletableFuture<>();
        REQUESTS.add(new Request(builder, result));
        try {
            return result.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new MachineException("starting QEMU failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            abandon(result);
            throw new MachineException("interrupted while starting QEMU", e);
        } catch (TimeoutException e) {
            abandon(result);
            throw new MachineException("starting QEMU took longer than " + timeout.toSeconds() + " s", e);
        }
    }

    /** The requester gives up: a process started anyway must not survive. */
    private static void abandon(CompletableFuture<Process> result) {
        if (!result.cancel(false)) {
            result.thenAccept(QemuLauncher::kill);
        }
    }

    private static void serve() {
        while (true) {
            Request r;
            try {
                r = REQUESTS.take();
            } catch (InterruptedException _) {
                continue; // Nobody may stop this thread: its death would kill every QEMU.
            }
            try {
                Process p = r.builder().start();
                ExitReaper.register(p.toHandle());
                if (!r.result().complete(p)) {
                    kill(p);
                }
            } catch (Throwable t) {
                r.result().completeExceptionally(t);
            }
        }
    }

    private static void kill(Process p) {
        p.destroyForcibly();
        p.onExit().thenRun(() -> ExitReaper.unregister(p.toHandle()));
    }
}
