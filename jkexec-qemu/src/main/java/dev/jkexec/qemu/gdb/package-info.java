/**
 * A client of QEMU's gdbstub (the GDB remote serial protocol over a Unix socket): hardware
 * breakpoints, stop waits and resume, for checking the CPU state at a handover.
 */
package dev.jkexec.qemu.gdb;
