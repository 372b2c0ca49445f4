/**
 * The QEMU process: its command line ({@link dev.jkexec.machine.qemu.QemuCommandLine}), starting it
 * so that it dies with the JVM ({@link dev.jkexec.machine.qemu.QemuProcess}), keeping the tail of its
 * output for error messages, and choosing the accelerator ({@link dev.jkexec.machine.qemu.Accel}).
 * Knows nothing of QMP.
 */
package dev.jkexec.machine.qemu;
