package dev.jkexec.machine.console;

import dev.jkexec.machine.MachineException;

/** No console line matched in time. The console stays usable. */
public final class ConsoleTimeoutException extends MachineException {
    public ConsoleTimeoutException(String message) {
        super(message);
    }
}
