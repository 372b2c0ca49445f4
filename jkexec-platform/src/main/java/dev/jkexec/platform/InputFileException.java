package dev.jkexec.platform;

/**
 * A file a user named could not be taken: {@code <field>: <path>: <reason>}, for example
 * {@code kernel: /dev/zero: a character device, not a regular file}. See {@link InputFile}.
 */
public final class InputFileException extends JkexecException {
    /**
     * What was wrong, for a front end that answers with a code (the REST API's errno: a missing
     * file is ENOENT, a refused one EACCES, one too big EFBIG, anything else EINVAL).
     */
    public enum Problem {
        /** The name is no path (a NUL in it). */
        NOT_A_PATH,
        /** Nothing there. */
        MISSING,
        /** Permission denied. */
        DENIED,
        /** A FIFO, a device, a directory or a socket. */
        NOT_REGULAR,
        /** Above the caller's limit. */
        TOO_BIG,
        /** It grew while it was read. */
        CHANGED,
        /** Not text in the encoding asked for. */
        ENCODING,
        /** Any other I/O failure. */
        IO
    }

    private final Problem problem;
    private final String field;
    private final String path;
    private final String reason;

    InputFileException(Problem problem, String field, String path, String reason, Throwable cause) {
        super(field + ": " + path + ": " + reason, cause);
        this.problem = problem;
        this.field = field;
        this.path = path;
        this.reason = reason;
    }

    /** What was wrong. */
    public Problem problem() {
        return problem;
    }

    /** The option or JSON field that named the file ({@code kernel}, {@code steps[0].initrd}). */
    public String field() {
        return field;
    }

    /** The path as given (control characters are escaped in the message only). */
    public String path() {
        return path;
    }

    /** Why the file was refused, one line. */
    public String reason() {
        return reason;
    }
}
