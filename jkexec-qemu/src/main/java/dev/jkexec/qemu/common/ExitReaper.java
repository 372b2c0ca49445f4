package dev.jkexec.qemu.common;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The JVM shutdown hook that keeps QEMU from outliving jkexec on a normal exit, {@code System.exit},
 * Ctrl-C (SIGINT) or SIGTERM: it kills every registered process and then deletes every registered
 * directory.
 *
 * <p>It is one of three layers: {@code close()} on the owner stops QEMU politely; this hook covers
 * exits that skip {@code close()}; and for a JVM that dies without running hooks (SIGKILL, a
 * crash) QEMU runs under {@code setpriv --pdeathsig KILL}, so the kernel kills it.
 *
 * <p>Owners register what they create and unregister it once they have cleaned it up themselves.
 * The hook is installed on first use and never blocks for long: it sends SIGKILL (QEMU's state is
 * worthless once jkexec is going away) and waits at most {@link #KILL_WAIT} per process.
 */
public final class ExitReaper {
    /** How long the hook waits for a killed process to be gone. */
    static final Duration KILL_WAIT = Duration.ofSeconds(2);

    private static final Set<ProcessHandle> PROCESSES = ConcurrentHashMap.newKeySet();
    private static final Set<Path> DIRECTORIES = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("jkexec-exit-reaper").unstarted(ExitReaper::reap));
    }

    private ExitReaper() {}

    public static void register(ProcessHandle process) {
        PROCESSES.add(process);
    }

    public static void unregister(ProcessHandle process) {
        PROCESSES.remove(process);
    }

    public static void register(Path directory) {
        DIRECTORIES.add(directory);
    }

    public static void unregister(Path directory) {
        DIRECTORIES.remove(directory);
    }

    /** Whether {@code process} is registered; for tests. */
    public static boolean isRegistered(ProcessHandle process) {
        return PROCESSES.contains(process);
    }

    /** Whether {@code directory} is registered; for tests. */
    public static boolean isRegistered(Path directory) {
        return DIRECTORIES.contains(directory);
    }

    private static void reap() {
        // Kill all first, then wait: processes die in parallel.
        for (ProcessHandle p : PROCESSES) {
            p.destroyForcibly();
        }
        for (ProcessHandle p : PROCESSES) {
            try {
                p.onExit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception _) {
                // Nothing more can be done from a shutdown hook; the kernel's pdeathsig remains.
            }
        }
        for (Path d : DIRECTORIES) {
            try {
                deleteTree(d);
            } catch (IOException _) {
                // Best effort: a leftover directory is swept by the next jkexec (see WorkDirectory).
            }
        }
    }

    /** Deletes {@code dir} and its contents; a missing directory is not an error. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
