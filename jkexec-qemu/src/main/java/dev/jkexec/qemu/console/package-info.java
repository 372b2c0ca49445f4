/**
 * The guest's serial console: lines with timestamps, a bounded history to wait on, listeners for
 * lines and raw bytes, input to the guest, an optional log file.
 */
package dev.jkexec.qemu.console;
