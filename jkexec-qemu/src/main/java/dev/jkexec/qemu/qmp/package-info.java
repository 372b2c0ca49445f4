/**
 * A QMP client over a Unix socket: commands matched to replies by id, asynchronous events, typed
 * errors. QMP text is untrusted input: sizes, depth and waits are all bounded.
 */
package dev.jkexec.qemu.qmp;
