/**
 * The hypercall, live: Xen's hypercalls served to a dom0 toolstack inside the guest (Debian's
 * kexec-tools through libxenctrl and jkexec's C shim, {@code jkexec-dom0}), and to the host's
 * control interface in the same binary ABI. See {@code docs/hypercall.md}.
 *
 * <p>The pieces: the guest's buffers live in the {@link dev.jkexec.machine.hypercall.HypercallWindow}
 * (its place is {@code MachineLayout.hypercallWindow()}); each call is one
 * {@link dev.jkexec.machine.hypercall.DoorbellFrame} on the doorbell, the machine's second serial
 * port (a QEMU device: {@code QemuConfig.doorbell}), read by the
 * {@link dev.jkexec.machine.hypercall.HypercallChannel}; the
 * {@link dev.jkexec.machine.hypercall.Dom0Hypercalls} dispatcher decodes it, as Xen does, into the
 * machine's own verbs ({@link dev.jkexec.machine.hypercall.KexecVerbs}, implemented over
 * {@code Machine}). {@link dev.jkexec.machine.hypercall.Hypercalls} puts them together for one
 * machine. This package knows the machine only through those verbs: it sits below
 * {@code dev.jkexec.machine}, which starts it.
 */
package dev.jkexec.machine.hypercall;
