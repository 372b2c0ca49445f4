package dev.jkexec.qemu.console;

import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.qemu.common.PeerDiagnosis;

/** The serial connection ended (QEMU exited) before what was asked for happened. */
public final class ConsoleClosedException extends MachineException {
    private final PeerDiagnosis diagnosis;

    public ConsoleClosedException(String message, PeerDiagnosis diagnosis, Throwable cause) {
        super(message, diagnosis.qemuOutput(), cause);
        this.diagnosis = diagnosis;
    }

    public PeerDiagnosis diagnosis() {
        return diagnosis;
    }
}
