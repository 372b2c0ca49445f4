package dev.jkexec.qemu.process;

import dev.jkexec.qemu.common.MachineException;

/** KVM was forced ({@code --accel kvm}) on a host where QEMU cannot use it. */
public final class AccelUnavailableException extends MachineException {
    public AccelUnavailableException(String message) {
        super(message);
    }
}
