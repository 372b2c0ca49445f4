package dev.jkexec.qemu.qmp;

import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.qemu.common.PeerDiagnosis;

/**
 * The QMP connection is gone, usually because QEMU exited or was killed. {@link #diagnosis()} says
 * what happened to QEMU, and {@link #qemuOutput()} holds its last output.
 */
public final class QmpClosedException extends MachineException {
    private final PeerDiagnosis diagnosis;

    public QmpClosedException(String message, PeerDiagnosis diagnosis, Throwable cause) {
        super(message, diagnosis.qemuOutput(), cause);
        this.diagnosis = diagnosis;
    }

    public PeerDiagnosis diagnosis() {
        return diagnosis;
    }
}
