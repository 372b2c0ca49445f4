package dev.jkexec.qemu.process;

/**
 * The accelerator a machine runs with and why, in words {@code jkexec run} prints as is.
 *
 * @param accel  what QEMU gets as {@code -accel}
 * @param reason one line, e.g. {@code "TCG: /dev/kvm is usable but neither kvm_intel nor kvm_amd is loaded"}
 */
public record AccelChoice(Accel accel, String reason) {
    public AccelChoice {
        if (accel == null || reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("accel and reason are required");
        }
    }
}
