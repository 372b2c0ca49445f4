package dev.jkexec.machine.qmp;

import dev.jkexec.machine.MachineException;

/** No reply or no matching event arrived in time. The connection stays usable. */
public final class QmpTimeoutException extends MachineException {
    public QmpTimeoutException(String message) {
        super(message);
    }
}
