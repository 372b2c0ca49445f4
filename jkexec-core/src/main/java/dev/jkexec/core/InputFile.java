package dev.jkexec.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way jkexec reads a file a user or a client named (kernel, initrd, module, request file):
 * regular files only, checked before opening, so a FIFO never blocks and {@code /dev/zero} never
 * fills the heap; the size checked against a limit before reading; at most that many bytes read.
 * Errors name the field and the path with {@link Errno} {@code EINVAL} (not a regular file, none
 * there), {@code EFBIG} (too big) or {@code EACCES}, and never quote the file's contents.
 *
 * <p>Issue 14's input layer is the planned home of this rule; callers go through {@link #read}
 * only, so switching it over is one change.
 */
public final class InputFile {
    private InputFile() {
    }

    /** The bytes of the regular file {@code path}, at most {@code limit} of them. */
    public static byte[] read(Path path, String field, long limit) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw new KexecException(Errno.ENOENT, field, path + ": no such file");
        } catch (AccessDeniedException e) {
            throw new KexecException(Errno.EACCES, field, path + ": permission denied");
        } catch (IOException e) {
            throw new KexecException(Errno.EINVAL, field, path + ": " + reason(e));
        }
        if (!a.isRegularFile()) {
            throw new KexecException(Errno.EINVAL, field, path + ": not a regular file (" + kind(a) + ")");
        }
        check(path, field, a.size(), limit);
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = c.size(); // the file may have been replaced between the check and the open
            check(path, field, size, limit);
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && c.read(b) >= 0) {
                // read the whole file, no more than its size
            }
            if (b.hasRemaining()) {
                throw new KexecException(Errno.EINVAL, field, path + ": shrank while it was read");
            }
            return b.array();
        } catch (AccessDeniedException e) {
            throw new KexecException(Errno.EACCES, field, path + ": permission denied");
        } catch (IOException e) {
            throw new KexecException(Errno.EINVAL, field, path + ": " + reason(e));
        }
    }

    private static void check(Path path, String field, long size, long limit) {
        if (size > limit || size > Integer.MAX_VALUE - 8) {
            throw new KexecException(Errno.EFBIG, field, path + ": " + size + " bytes, above the limit of " + Math.min(limit, Integer.MAX_VALUE - 8));
        }
    }

    private static String kind(BasicFileAttributes a) {
        return a.isDirectory() ? "a directory" : a.isOther() ? "a device, FIFO or socket" : "a symbolic link";
    }

    /** The exception's reason without its message's quoting of anything but the path. */
    private static String reason(IOException e) {
        return e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT);
    }
}
