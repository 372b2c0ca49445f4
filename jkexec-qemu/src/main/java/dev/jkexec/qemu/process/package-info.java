/**
 * The QEMU process: its command line ({@link dev.jkexec.qemu.QemuCommandLine}), starting it
 * so that it dies with the JVM ({@link dev.jkexec.qemu.process.QemuProcess}), keeping the tail of its
 * output for error messages, and choosing the accelerator ({@link dev.jkexec.qemu.process.Accel}).
 * Knows nothing of QMP.
 */
package dev.jkexec.qemu.process;
