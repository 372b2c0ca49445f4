package dev.jkexec.qemu.console;

import dev.jkexec.qemu.common.MachineException;

/** No console line matched in time. The console stays usable. */
public final class ConsoleTimeoutException extends MachineException {
    public ConsoleTimeoutException(String message) {
        super(message);
    }
}
