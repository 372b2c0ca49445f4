package dev.jkexec.qemu.process;

import dev.jkexec.qemu.common.MachineException;
import java.nio.file.Path;

/** The QEMU binary (or {@code setpriv}, which launches it) is not installed where we looked. */
public final class QemuNotFoundException extends MachineException {
    private final String program;

    public QemuNotFoundException(String program, String message) {
        super(message);
        this.program = program;
    }

    static QemuNotFoundException qemu(Path binary) {
        return new QemuNotFoundException(binary.toString(), binary + " not found; install qemu-system-x86");
    }

    static QemuNotFoundException setpriv() {
        return new QemuNotFoundException("setpriv",
                "setpriv not found; install util-linux (jkexec runs QEMU under setpriv --pdeathsig so it dies with jkexec)");
    }

    /** What was missing, as configured. */
    public String program() {
        return program;
    }
}
