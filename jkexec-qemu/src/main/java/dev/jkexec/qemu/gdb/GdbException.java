package dev.jkexec.qemu.gdb;

import dev.jkexec.platform.JkexecException;

/** The gdbstub refused a request, answered with something malformed, or went away. */
public class GdbException extends JkexecException {
    public GdbException(String message) {
        super(message);
    }

    public GdbException(String message, Throwable cause) {
        super(message, cause);
    }
}
