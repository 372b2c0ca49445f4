package dev.jkexec.core;

import dev.jkexec.image.JkexecException;

/**
 * A kexec operation was refused. Carries the errno a Xen toolstack would see and a message that
 * names the field and the value that failed ({@code "segments[2].dest_maddr: 0x1234 not page
 * aligned"}). A refused operation leaves every slot exactly as it was.
 */
public class KexecException extends JkexecException {
    private final Errno errno;

    public KexecException(Errno errno, String message) {
        super(message + " (-" + errno.name() + ")");
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
