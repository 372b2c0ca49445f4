package dev.jkexec.machine.crash;

import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Where a dump goes, with the rules that make a dump lose nothing:
 * <ul>
 *   <li>it is written only inside the directory it was given: {@code dir/name} (a plain name,
 *       never a path) and, while being written, a temporary file beside it, created exclusively;</li>
 *   <li>an existing {@code dir/name} that is not a regular file (a device, a FIFO, a directory, a
 *       symbolic link) is never touched; an existing regular file is replaced only with
 *       {@code overwrite};</li>
 *   <li>the temporary file is moved into place atomically when complete, and deleted on any
 *       failure: no {@code .partial} file is left behind;</li>
 *   <li>failures are {@link DumpException}s naming the file and the reason ({@code No space left on
 *       device}, {@code Read-only file system}, {@code Permission denied}).</li>
 * </ul>
 */
public final class DumpTarget implements AutoCloseable {
    private final Path file;
    private final Path temp;
    private final FileChannel channel;
    private final boolean overwrite;
    private boolean committed;

    private DumpTarget(Path file, Path temp, FileChannel channel, boolean overwrite) {
        this.file = file;
        this.temp = temp;
        this.channel = channel;
        this.overwrite = overwrite;
    }

    /** A dump that could not be written; the guest it was taken from is left as it was. */
    public static final class DumpException extends JkexecException {
        public DumpException(String message, Throwable cause) {
            super(message, cause);
        }

        public DumpException(String message) {
            super(message);
        }
    }

    /** Splits {@code path} into its directory and name and opens it. */
    public static DumpTarget open(Path path, boolean overwrite) {
        Path abs = path.toAbsolutePath().normalize();
        if (abs.getFileName() == null) {
            throw new DumpException("dump " + path + ": not a file name");
        }
        return open(abs.getParent(), abs.getFileName().toString(), overwrite);
    }

    /** Opens {@code dir/name} for a new dump. */
    public static DumpTarget open(Path dir, String name, boolean overwrite) {
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\0")) {
            throw new DumpException("dump " + name + ": not a plain file name inside " + dir);
        }
        Path realDir;
        try {
            realDir = dir.toRealPath();
        } catch (IOException e) {
            throw new DumpException("dump directory " + dir + ": " + reason(e), e);
        }
        if (!Files.isDirectory(realDir)) {
            throw new DumpException("dump directory " + dir + ": not a directory");
        }
        Path file = realDir.resolve(name);
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isRegularFile()) {
                throw new DumpException("dump " + file + ": exists and is not a regular file ("
                        + (a.isSymbolicLink() ? "a symbolic link" : a.isDirectory() ? "a directory" : "a device, FIFO or socket")
                        + "); nothing was written");
            }
            if (!overwrite) {
                throw new DumpException("dump " + file + ": exists; choose another name or pass --force to replace it");
            }
        } catch (NoSuchFileException e) {
            // the usual case
        } catch (IOException e) {
            throw new DumpException("dump " + file + ": " + reason(e), e);
        }
        Path temp = null;
        try {
            temp = Files.createTempFile(realDir, "." + name + ".", ".partial");
            FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            return new DumpTarget(file, temp, ch, overwrite);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new DumpException("dump " + file + ": cannot create a file in " + realDir + ": " + reason(e), e);
        }
    }

    public Path file() {
        return file;
    }

    public FileChannel channel() {
        return channel;
    }

    /** Wraps a write failure with the file and the reason. */
    public DumpException failure(IOException e) {
        return new DumpException("dump " + file + ": " + reason(e), e);
    }

    /** Flushes and moves the finished dump into place. */
    public void commit() {
        try {
            channel.force(false);
            channel.close();
            if (overwrite) {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                // a link fails if the name appeared meanwhile: never replace what we were not asked to
                try {
                    Files.createLink(file, temp);
                    Files.delete(temp);
                } catch (UnsupportedOperationException | java.nio.file.FileAlreadyExistsException e) {
                    if (e instanceof java.nio.file.FileAlreadyExistsException x) {
                        throw x;
                    }
                    Files.move(temp, file); // no hard links here: a plain move, which still refuses an existing name
                }
            }
            committed = true;
        } catch (IOException e) {
            throw failure(e);
        }
    }

    /** Deletes the temporary file unless the dump was committed. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing to add: the dump is being abandoned
        }
        if (!committed) {
            deleteQuietly(temp);
        }
    }

    static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static void deleteQuietly(Path p) {
        if (p == null) {
            return;
        }
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort; the name starts with '.' and ends in .partial
        }
    }
}
