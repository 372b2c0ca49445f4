/**
 * The hypervisor layer: a jkexec machine, built on the QEMU hardware ({@code dev.jkexec.qemu}).
 *
 * <p>{@link dev.jkexec.machine.Machine} is the entry point and owns the verbs (load, unload, exec,
 * crash, dump). It puts together the memory layout ({@code layout}), jkexec's generated firmware
 * and the handover block ({@code firmware}), the kexec core over the shared RAM
 * ({@code dev.jkexec.core.kexec}), the {@link dev.jkexec.machine.Toolstack} that plans kernels for
 * this machine, crash capture ({@code crash}), and the hypercall channel that serves the guest's
 * own toolstack ({@code hypercall}). Above it sit the contract verifier ({@code verify}) and the
 * scenario runner ({@code scenario}); the busybox test guest, and its dom0 form with Debian's
 * kexec-tools, are in {@code guest}.
 */
package dev.jkexec.machine;
