/**
 * The hardware layer: a QEMU process that jkexec owns and treats as hardware. It knows nothing of
 * kexec, firmware or kernels; the hypervisor layer ({@code dev.jkexec.machine}) builds on it.
 *
 * <p>{@link dev.jkexec.qemu.QemuMachine} is the entry point, started from a
 * {@link dev.jkexec.qemu.QemuConfig}: it owns the shared guest RAM ({@link dev.jkexec.qemu.GuestRam},
 * a tmpfs file mapped as one {@code MemorySegment}) in a private
 * {@link dev.jkexec.qemu.WorkDirectory}, the QEMU process ({@code process}), its QMP connection
 * ({@code qmp}), its serial console ({@code console}), optionally its gdbstub ({@code gdb}) and a
 * doorbell (a second serial port whose connection the owner reads, {@code QemuMachine.doorbell()}), and
 * captures vCPU state ({@code cpu}). Every error a user can cause or meet is a
 * {@link dev.jkexec.qemu.common.MachineException} with a one-line message; QEMU's own last words
 * travel with it ({@link dev.jkexec.qemu.common.MachineException#qemuOutput()}).
 *
 * <p>QEMU never outlives jkexec: {@code close()}, the {@link dev.jkexec.qemu.common.ExitReaper}
 * shutdown hook, and {@code setpriv --pdeathsig KILL} from a dedicated launcher thread, in that
 * order of politeness.
 */
package dev.jkexec.qemu;
