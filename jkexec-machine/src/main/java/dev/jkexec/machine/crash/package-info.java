/**
 * Host-side cores of a guest ({@link dev.jkexec.machine.crash.CoreDump}): what a crash becomes when
 * no crash kernel can run, and what {@code jkexec dump} writes.
 */
package dev.jkexec.machine.crash;
