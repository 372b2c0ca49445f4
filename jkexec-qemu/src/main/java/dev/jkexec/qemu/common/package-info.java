/**
 * What every part of the hardware layer shares, and so depends on nothing else in it: the error
 * base {@link dev.jkexec.qemu.common.MachineException}, {@link dev.jkexec.qemu.common.PeerDiagnosis}
 * (why the QEMU at the other end of a socket went away), {@link dev.jkexec.qemu.common.Subscription}
 * (a listener's handle) and the {@link dev.jkexec.qemu.common.ExitReaper} shutdown hook.
 */
package dev.jkexec.qemu.common;
