package dev.jkexec.bench.e2e;

import dev.jkexec.bench.timeline.StampedLines;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A child process of one benchmark run (QEMU for a peer, or the jkexec CLI), its merged output
 * stamped line by line from the moment just before it was started. {@link #close()} kills it and
 * every descendant (the CLI's QEMU too) and waits for them: no run leaves a process behind. A
 * shutdown hook does the same for processes still alive when the JVM exits.
 */
public final class RunningProcess implements AutoCloseable {
    private static final Set<ProcessHandle> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(RunningProcess::killTree)));
    }

    private final Process process;
    private final long originNanos;
    private final StampedLines lines;

    private RunningProcess(Process process, long originNanos, StampedLines lines) {
        this.process = process;
        this.originNanos = originNanos;
        this.lines = lines;
    }

    /** Starts {@code command} in {@code dir} with stdin from /dev/null and stderr merged into stdout. */
    public static RunningProcess start(List<String> command, Path dir, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        pb.environment().putAll(env);
        long origin = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command.getFirst(), e);
        }
        LIVE.add(p.toHandle());
        return new RunningProcess(p, origin, StampedLines.start(p.getInputStream(), origin, "bench-" + p.pid()));
    }

    public StampedLines lines() {
        return lines;
    }

    /** Seconds since the process was started. */
    public double elapsed() {
        return (System.nanoTime() - originNanos) / 1e9;
    }

    /** Waits for the process to exit; returns its exit status, or empty after the timeout. */
    public java.util.OptionalInt awaitExit(Duration timeout) {
        try {
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return java.util.OptionalInt.of(process.exitValue());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return java.util.OptionalInt.empty();
    }

    /** Kills the process and its descendants, then waits for all of them (bounded). */
    @Override
    public void close() {
        killTree(process.toHandle());
        LIVE.remove(process.toHandle());
        lines.awaitEnd(Duration.ofSeconds(5));
    }

    static void killTree(ProcessHandle h) {
        List<ProcessHandle> all = new java.util.ArrayList<>(h.descendants().toList());
        all.add(h);
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : all) {
            try {
                p.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // Reported by the orphan check after the run.
            }
        }
    }

    /** The JVM's live descendants: after a run there should be none. */
    public static List<ProcessHandle> orphans() {
        return ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList();
    }
}
