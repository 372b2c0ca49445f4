package dev.jkexec.qemu.gdb;

/** The gdbstub did not answer within the deadline: QEMU may still act on what was sent. */
public class GdbTimeoutException extends GdbException {
    public GdbTimeoutException(String message) {
        super(message);
    }
}
