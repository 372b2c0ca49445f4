package dev.jkexec.qemu;

import dev.jkexec.qemu.common.ExitReaper;
import dev.jkexec.qemu.common.MachineException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A machine's private temporary directory, {@code <root>/jkexec-<jvm pid>-<random>}, mode 0700:
 * the guest RAM file, the firmware ROM, the QMP, serial and gdbstub sockets.
 *
 * <p>Owned by one machine. {@link #close()} deletes it with everything in it, and the
 * {@link ExitReaper} does the same if the JVM exits without closing it. A JVM killed by SIGKILL
 * cannot clean up; so creating a directory first sweeps siblings whose JVM pid no longer exists
 * (only ours by owner; a recycled pid just keeps its directory until the next sweep).
 */
public final class WorkDirectory implements AutoCloseable {
    private static final String PREFIX = "jkexec-";
    private static final Pattern NAME = Pattern.compile("jkexec-(\\d+)-.+");
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Path path;
    private volatile boolean closed;

    private WorkDirectory(Path path) {
        this.path = path;
    }

    /** Creates a fresh private directory under {@code root} (typically {@code /dev/shm}). */
    public static WorkDirectory create(Path root) {
        if (!Files.isDirectory(root)) {
            throw new MachineException("temporary directory root " + root + " does not exist or is not a directory");
        }
        sweepStale(root);
        try {
            Path dir = createPrivate(root, PREFIX + ProcessHandle.current().pid() + "-");
            ExitReaper.register(dir);
            return new WorkDirectory(dir);
        } catch (IOException e) {
            throw new MachineException("cannot create a temporary directory in " + root + ": " + e.getMessage(), e);
        }
    }

    /**
     * {@code mkdir(root/prefix<random>, 0700)}, a fresh name until one is free: what
     * {@link Files#createTempDirectory} does, without its {@link java.security.SecureRandom}, whose
     * first use seeds itself (15-60 ms on a loaded host, right before QEMU's start). The name needs
     * no secrecy: {@code mkdir} never follows or reuses an existing entry, so a name taken by anyone
     * else just costs another try.
     */
    private static Path createPrivate(Path root, String prefix) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path dir = root.resolve(prefix + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()));
            try {
                return Files.createDirectory(dir, OWNER_ONLY);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 99) {
                    throw e;
                }
            }
        }
    }

    public Path path() {
        return path;
    }

    /** A path inside the directory. */
    public Path resolve(String name) {
        return path.resolve(name);
    }

    /** Deletes the directory and everything in it. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            ExitReaper.deleteTree(path);
        } catch (IOException e) {
            throw new MachineException("cannot delete " + path + ": " + e.getMessage(), e);
        } finally {
            ExitReaper.unregister(path);
        }
    }

    /** Deletes {@code root/jkexec-<pid>-*} directories of ours whose JVM is gone. Best effort. */
    static void sweepStale(Path root) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, PREFIX + "*")) {
            for (Path entry : entries) {
                Matcher m = NAME.matcher(entry.getFileName().toString());
                if (!m.matches() || !Files.isDirectory(entry) || !ownedByUs(entry)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(m.group(1));
                } catch (NumberFormatException _) {
                    continue;
                }
                if (ProcessHandle.of(pid).isEmpty()) {
                    try {
                        ExitReaper.deleteTree(entry);
                    } catch (IOException _) {
                        // Someone else's problem or a race with another sweeper: leave it.
                    }
                }
            }
        } catch (IOException _) {
            // Sweeping is a courtesy; never fail a machine start over it.
        }
    }

    private static boolean ownedByUs(Path dir) {
        try {
            return Files.getOwner(dir).getName().equals(System.getProperty("user.name"));
        } catch (IOException | UnsupportedOperationException _) {
            return false;
        }
    }
}
