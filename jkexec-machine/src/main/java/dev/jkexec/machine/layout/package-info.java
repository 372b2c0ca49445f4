/**
 * Where everything is in a jkexec machine's physical memory:
 * {@link dev.jkexec.machine.layout.MachineLayout}, the one file of guest-physical addresses jkexec
 * chooses (the PC's own are in {@link dev.jkexec.platform.PcPlatform}).
 */
package dev.jkexec.machine.layout;
