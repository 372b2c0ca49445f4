package dev.jkexec.image;

import dev.jkexec.platform.JkexecException;

/**
 * A kernel image, initrd or other untrusted input is malformed.
 *
 * <p>{@link #field()} names the structure field or check that failed (for example
 * {@code "setup_header.header"} or {@code "elf.e_phoff"}); {@link #value()} is the offending value
 * as the message shows it. Thrown by the parsers before they allocate anything sized by the input.
 */
public class ImageFormatException extends JkexecException {
    private final String field;
    private final String value;

    public ImageFormatException(String field, String value, String message) {
        super(field + ": " + message);
        this.field = field;
        this.value = value;
    }

    public ImageFormatException(String field, String value, String message, Throwable cause) {
        super(field + ": " + message, cause);
        this.field = field;
        this.value = value;
    }

    /** {@code field: actual 0x.. != expected 0x..} */
    public static ImageFormatException mismatch(String field, long actual, long expected) {
        return new ImageFormatException(field, hex(actual),
                "actual " + hex(actual) + " != expected " + hex(expected));
    }

    public static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    public String field() {
        return field;
    }

    public String value() {
        return value;
    }
}
