package dev.jkexec.qemu.qmp;

import dev.jkexec.qemu.common.MachineException;

/**
 * QEMU answered a command with an error: {@code {"error": {"class": ..., "desc": ...}}}.
 * The connection stays usable. The message is one line: control characters QEMU put into the
 * class or description are escaped there ({@link #description()} keeps them; fuzzing finding).
 */
public final class QmpException extends MachineException {
    private final String command;
    private final String errorClass;
    private final String description;

    public QmpException(String command, String errorClass, String description) {
        super("QMP " + command + " failed: " + QmpJson.oneLine(errorClass) + ": " + QmpJson.oneLine(description));
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
