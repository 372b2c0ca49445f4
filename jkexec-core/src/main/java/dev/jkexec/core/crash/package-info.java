/**
 * What the core writes for a crash kernel: one {@code NT_PRSTATUS} crash note per vCPU
 * ({@link dev.jkexec.core.crash.CrashNote}), from its {@link dev.jkexec.platform.x86.Registers}.
 */
package dev.jkexec.core.crash;
