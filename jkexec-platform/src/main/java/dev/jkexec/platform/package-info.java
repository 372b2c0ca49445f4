/**
 * The bottom layer of jkexec, with no dependencies: what every other module shares.
 *
 * <ul>
 *   <li>{@link dev.jkexec.platform.JkexecException}: the root of every error jkexec reports.</li>
 *   <li>{@link dev.jkexec.platform.MemoryMap}, {@link dev.jkexec.platform.MemoryRange},
 *       {@link dev.jkexec.platform.E820Type}: memory maps as e820 describes them.</li>
 *   <li>{@link dev.jkexec.platform.PhysicalMemory}: a machine's physical memory as one
 *       bounds-checked {@code MemorySegment}.</li>
 *   <li>{@link dev.jkexec.platform.Sizes}: sizes as people write them.</li>
 *   <li>{@link dev.jkexec.platform.GuestAssets}: where the guest binaries (kernels, busybox) are.</li>
 *   <li>{@code dev.jkexec.platform.x86}: the x86 architecture and its assembler.</li>
 * </ul>
 */
package dev.jkexec.platform;
