package dev.jkexec.core;

import dev.jkexec.platform.JkexecException;

/**
 * A kexec operation was refused. Carries the errno a Xen toolstack would see and a message that
 * names the field and the value that failed ({@code "segments[2].dest_maddr: 0x1234 not page
 * aligned"}). A refused operation leaves every slot exactly as it was.
 *
 * <p>{@link #field()} is the ABI field that failed ({@code "segments[2].dest_maddr"}) when there
 * is one; the message then starts with it.
 */
public class KexecException extends JkexecException {
    private final Errno errno;
    private final String field;

    public KexecException(Errno errno, String message) {
        this(errno, null, message);
    }

    /**
     * A refusal about one field: the message is {@code "<field>: <detail> (-ERRNO)"}.
     *
     * @param field the ABI field name, or {@code null} when the refusal is about no single field
     */
    public KexecException(Errno errno, String field, String detail) {
        super((field == null ? "" : field + ": ") + detail + " (-" + errno.name() + ")");
        this.errno = errno;
        this.field = field;
    }

    public Errno errno() {
        return errno;
    }

    /** The field that failed, or {@code null}. */
    public String field() {
        return field;
    }
}
