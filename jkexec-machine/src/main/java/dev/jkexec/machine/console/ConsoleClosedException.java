package dev.jkexec.machine.console;

import dev.jkexec.machine.MachineException;
import dev.jkexec.machine.PeerDiagnosis;

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
