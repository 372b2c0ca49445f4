/**
 * The x86 architecture as jkexec uses it, and a small assembler for the code jkexec generates
 * (the firmware and the purgatory): registers, segment descriptors, instructions.
 */
package dev.jkexec.platform.x86;
