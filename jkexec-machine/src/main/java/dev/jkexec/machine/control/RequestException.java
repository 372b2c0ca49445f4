package dev.jkexec.machine.control;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;

/**
 * A request that does not say what it must: its field, by path ({@code load.entry}), and why;
 * errno {@code EINVAL}, as Xen answers a malformed {@code kexec_op}.
 */
public final class RequestException extends KexecException {
    private final String text;

    public RequestException(String field, String detail) {
        super(Errno.EINVAL, field, detail);
        this.text = field + ": " + detail;
    }

    /** The message without the errno: {@code "load.entry: \"abc\" is not an integer"}. */
    public String text() {
        return text;
    }
}
