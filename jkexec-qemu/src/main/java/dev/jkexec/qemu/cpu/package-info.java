/**
 * vCPU state as QEMU's {@code info registers} shows it, parsed from untrusted text into records.
 */
package dev.jkexec.qemu.cpu;
