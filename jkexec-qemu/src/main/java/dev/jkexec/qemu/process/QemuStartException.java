package dev.jkexec.qemu.process;

import dev.jkexec.qemu.common.MachineException;
import java.util.OptionalInt;

/**
 * QEMU did not come up: it exited during start-up (a bad option, a ROM it rejects, a RAM file it
 * cannot map) or its sockets did not appear in time. {@link #qemuOutput()} holds what it printed;
 * the message quotes its last line.
 */
public final class QemuStartException extends MachineException {
    private final OptionalInt exitStatus;

    public QemuStartException(String message, OptionalInt exitStatus, String qemuOutput, Throwable cause) {
        super(message, qemuOutput, cause);
        this.exitStatus = exitStatus;
    }

    /** QEMU's exit status if it exited. */
    public OptionalInt exitStatus() {
        return exitStatus;
    }
}
