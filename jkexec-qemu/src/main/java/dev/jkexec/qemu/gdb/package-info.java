/**
 * A client of QEMU's gdbstub (the GDB remote serial protocol over a Unix socket): hardware
 * breakpoints, stop waits and resume, for checking the CPU state at a handover ({@link
 * dev.jkexec.qemu.gdb.GdbStub}); and the whole-cache flush of TCG's translations at an exec, by one
 * single step on a private stub ({@link dev.jkexec.qemu.gdb.TranslationFlush}).
 */
package dev.jkexec.qemu.gdb;
