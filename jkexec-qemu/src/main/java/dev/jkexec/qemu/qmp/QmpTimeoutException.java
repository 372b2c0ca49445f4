package dev.jkexec.qemu.qmp;

import dev.jkexec.qemu.common.MachineException;

/** No reply or no matching event arrived in time. The connection stays usable. */
public final class QmpTimeoutException extends MachineException {
    public QmpTimeoutException(String message) {
        super(message);
    }
}
