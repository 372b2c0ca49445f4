package dev.jkexec.platform;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The one way jkexec reads a file a user names: a kernel, an initrd, a module, a scenario, a
 * request file, whether it comes from the command line, a scenario or the API.
 *
 * <p>The contract, in the order it is checked:
 * <ol>
 *   <li>the name is a path ({@code InvalidPathException}, a NUL in it, is an error, not a crash);
 *   <li>it names a <em>regular</em> file: a FIFO, a character or block device, a directory or a
 *       socket is refused by name <em>before it is opened</em>, so {@code /dev/zero} costs no
 *       memory and a FIFO never blocks the caller;
 *   <li>its size is checked against the caller's limit (for a kernel, the guest's RAM) before one
 *       byte is read, and reading stops at the size seen, so a file that grows meanwhile is
 *       refused rather than read without end.
 * </ol>
 * Every failure is one {@link InputFileException} whose message is
 * {@code <field>: <path>: <reason>} ({@code kernel: /nonexistent: no such file}); the CLI prints
 * it after {@code jkexec: }.
 *
 * <p>{@link #read} reads the bytes once into memory: what was parsed cannot change under the
 * reader. {@link #map} maps the file instead (a kernel or an initrd of tens of MiB, copied once,
 * from the page cache to guest RAM): the caller takes what may change with it, as its comment says.
 */
public record InputFile(String field, Path path) {
    /** The largest byte array the JVM allocates. */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    /** A file named by {@code text}; a string that is no path is refused naming {@code field}. */
    public static InputFile of(String field, String text) {
        return new InputFile(field, path(field, text));
    }

    /** {@code text} as a path, or an {@link InputFileException} naming {@code field} (a NUL in it). */
    public static Path path(String field, String text) {
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new InputFileException(InputFileException.Problem.NOT_A_PATH, field, text, "not a path (" + e.getReason() + ")", e);
        }
    }

    /**
     * The size of the regular file, refused if it is not one or if it is above {@code limit};
     * {@code limitName} says what the limit is ("the guest's RAM, 1 GiB").
     */
    public long size(long limit, String limitName) {
        BasicFileAttributes a = attributes();
        if (!a.isRegularFile()) {
            throw error(InputFileException.Problem.NOT_REGULAR, kind() + ", not a regular file");
        }
        checkLimit(a.size(), limit, limitName);
        return a.size();
    }

    /** The whole file, after the checks of {@link #size}. */
    public byte[] read(long limit, String limitName) {
        long expected = size(limit, limitName);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long now = ch.size();
            checkLimit(now, limit, limitName);
            byte[] bytes = new byte[(int) Math.max(expected, now)];
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // read until the size seen, or until the file ends earlier
            }
            if (!b.hasRemaining() && ch.read(ByteBuffer.allocate(1)) > 0) {
                throw error(InputFileException.Problem.CHANGED, "the file grew while it was read (more than " + bytes.length + " bytes)");
            }
            return b.position() == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, b.position());
        } catch (IOException e) {
            throw error(e);
        }
    }

    /**
     * The whole file mapped read-only, after the checks of {@link #size} (and the limit checked
     * again on the open file): no copy is made, the pages are the page cache's. The mapping is the
     * garbage collector's to unmap ({@link Arena#ofAuto}). What a mapping implies, for the caller:
     * a file rewritten in place shows its new bytes through it, and one truncated below a page
     * being read makes that read fail (the JVM reports the fault as an {@link InternalError}; see
     * {@link #changedUnder}). The file's identity (size, mtime, {@code fileKey}) is recorded with the
     * mapping: {@link MappedFiles} names the file from any slice of it, and tells whether it changed.
     */
    public MemorySegment map(long limit, String limitName) {
        size(limit, limitName);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long now = ch.size();
            checkLimit(now, limit, limitName);
            if (now == 0) {
                return MemorySegment.ofArray(new byte[0]);
            }
            // The identity before the mapping: a change from here on is seen by MappedFiles.changed.
            MappedFiles.Identity identity = MappedFiles.Identity.of(this);
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, now, Arena.ofAuto());
            MappedFiles.register(m, this, identity);
            return m;
        } catch (IOException e) {
            throw error(e);
        }
    }

    /**
     * The error for a read of this file's {@linkplain #map mapping} that faulted ({@code fault}: the
     * JVM's {@link InternalError} for a page gone under it): the file shrank while it was in use.
     */
    public InputFileException changedUnder(Throwable fault) {
        return new InputFileException(InputFileException.Problem.CHANGED, field, path.toString(),
                "the file shrank while jkexec read it (" + fault.getMessage() + ")", fault);
    }

    /** The file as strict UTF-8 text: a malformed byte is refused with its offset. */
    public String readUtf8(long limit, String limitName) {
        byte[] bytes = read(limit, limitName);
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        var r = d.decode(in, out, true);
        if (r.isError()) {
            throw error(InputFileException.Problem.ENCODING, "invalid UTF-8 at byte " + in.position() + " (0x" + Integer.toHexString(bytes[in.position()] & 0xFF) + ")");
        }
        d.flush(out);
        return out.flip().toString();
    }

    /** An error about this file: {@code field: path: reason}. */
    public InputFileException error(InputFileException.Problem problem, String reason) {
        return new InputFileException(problem, field, path.toString(), reason, null);
    }

    private InputFileException error(IOException e) {
        InputFileException.Problem p = switch (e) {
            case NoSuchFileException x -> InputFileException.Problem.MISSING;
            case NotDirectoryException x -> InputFileException.Problem.MISSING;
            case AccessDeniedException x -> InputFileException.Problem.DENIED;
            case CharacterCodingException x -> InputFileException.Problem.ENCODING;
            default -> InputFileException.Problem.IO;
        };
        return new InputFileException(p, field, path.toString(), reason(e), e);
    }

    private void checkLimit(long size, long limit, String limitName) {
        if (size > Math.min(limit, MAX_ARRAY)) {
            String what = size > limit ? limitName + ", " + Sizes.format(limit) : "the largest file jkexec reads, " + Sizes.format(MAX_ARRAY);
            String human = Sizes.format(size);
            throw error(InputFileException.Problem.TOO_BIG, size + " bytes" + (human.endsWith(" bytes") ? "" : " (" + human + ")") + ", above " + what);
        }
    }

    private BasicFileAttributes attributes() {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (IOException e) {
            throw error(e);
        }
    }

    /** What a file that is not regular is, from its {@code st_mode}: FIFO, device, directory, socket. */
    private String kind() {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return switch (mode & 0170000) {
                case 0010000 -> "a FIFO";
                case 0020000 -> "a character device";
                case 0060000 -> "a block device";
                case 0040000 -> "a directory";
                case 0140000 -> "a socket";
                default -> "a special file (mode 0" + Integer.toOctalString(mode) + ")";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return Files.isDirectory(path) ? "a directory" : "a special file";
        }
    }

    /** A one-line reason for an I/O failure, without the path the JDK repeats in its messages. */
    static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException x -> "no such file";
            case AccessDeniedException x -> "permission denied";
            case NotDirectoryException x -> "a component of the path is not a directory";
            case FileSystemLoopException x -> "too many levels of symbolic links";
            case MalformedInputException x -> "invalid UTF-8";
            case CharacterCodingException x -> "invalid text encoding";
            case java.nio.file.FileSystemException x when x.getReason() != null -> x.getReason();
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }
}
