package dev.jkexec.qemu.qmp;

import dev.jkexec.qemu.common.MachineException;

/**
 * QEMU answered a command with an error: {@code {"error": {"class": ..., "desc": ...}}}.
 * The connection stays usable.
 */
public final class QmpException extends MachineException {
    private final String command;
    private final String errorClass;
    private final String description;

    public QmpException(String command, String errorClass, String description) {
        super("QMP " + command + " failed: " + errorClass + ": " + description);
        this.command = command;
        this.errorClass = errorClass;
        this.description = description;
    }

    public String command() {
        return command;
    }

    /** QEMU's error class, e.g. {@code GenericError}, {@code CommandNotFound}, {@code DeviceNotFound}. */
    public String errorClass() {
        return errorClass;
    }

    public String description() {
        return description;
    }
}
