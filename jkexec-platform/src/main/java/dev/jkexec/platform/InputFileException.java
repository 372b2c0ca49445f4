package dev.jkexec.platform;

/**
 * A file a user named could not be taken: {@code <field>: <path>: <reason>}, for example
 * {@code kernel: /dev/zero: a character device, not a regular file}. See {@link InputFile}.
 */
public final class InputFileException extends JkexecException {
    private final String field;
    private final String path;
    private final String reason;

    InputFileException(String field, String path, String reason, Throwable cause) {
        super(field + ": " + path + ": " + reason, cause);
        this.field = field;
        this.path = path;
        this.reason = reason;
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
