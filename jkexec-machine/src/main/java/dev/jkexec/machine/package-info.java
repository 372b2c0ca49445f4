/**
 * The machine: a QEMU process that jkexec owns and treats as hardware.
 *
 * <p>{@link dev.jkexec.machine.QemuMachine} is the entry point: it owns the shared guest RAM
 * ({@link dev.jkexec.machine.GuestRam}, a tmpfs file mapped as one {@code MemorySegment}), the QEMU
 * process ({@code qemu}), its QMP connection ({@code qmp}) and its serial console ({@code console}),
 * and captures vCPU state ({@code cpu}). Every error a user can cause or meet is a
 * {@link dev.jkexec.machine.MachineException} with a one-line message; QEMU's own last words travel
 * with it ({@link dev.jkexec.machine.MachineException#qemuOutput()}).
 *
 * <p>QEMU never outlives jkexec: {@code close()}, the {@link dev.jkexec.machine.ExitReaper} shutdown
 * hook, and {@code setpriv --pdeathsig KILL} from a dedicated launcher thread, in that order of
 * politeness.
 *
 * <p>Tests of this package that start QEMU need {@code qemu-system-x86_64} (Debian's
 * {@code qemu-system-x86}).
 */
package dev.jkexec.machine;
