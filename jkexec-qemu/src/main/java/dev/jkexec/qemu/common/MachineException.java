package dev.jkexec.qemu.common;

import dev.jkexec.platform.JkexecException;

/**
 * Base of every error the machine reports: QEMU could not start or died, QMP refused or garbled a
 * command, the console closed, there is no room for guest RAM.
 *
 * <p>The message is one line. When QEMU's own output explains the failure, {@link #qemuOutput()}
 * holds its last few KiB (stderr and stdout, merged) so a caller can print it under the message;
 * it is empty when QEMU said nothing or is not involved.
 */
public class MachineException extends JkexecException {
    private final String qemuOutput;

    public MachineException(String message) {
        this(message, "", null);
    }

    public MachineException(String message, Throwable cause) {
        this(message, "", cause);
    }

    public MachineException(String message, String qemuOutput, Throwable cause) {
        super(message, cause);
        this.qemuOutput = qemuOutput == null ? "" : qemuOutput;
    }

    /** The tail of QEMU's output at the time of the failure; empty if none. */
    public String qemuOutput() {
        return qemuOutput;
    }
}
