package dev.jkexec.image.purgatory;

import dev.jkexec.image.Arch;

/**
 * What the purgatory needs to know, patched into its code when it is built.
 *
 * @param arch              the mode the purgatory runs in and enters the kernel in (EM_X86_64:
 *                          64-bit, RSI = zero page; EM_386: 32-bit, ESI = zero page)
 * @param loadAddress       where the purgatory segment is placed (page aligned; below 4 GiB for EM_386)
 * @param kernelEntry       where to jump: load address + 0x200 for a bzImage's 64-bit entry, the load
 *                          address for its 32-bit entry, {@code e_entry} for an ELF vmlinux
 * @param zeroPage          physical address of the kernel's zero page (boot_params)
 * @param backupSource      crash images: start of the low memory to back up (0), else 0
 * @param backupDestination crash images: where the backup goes (inside the crash region), else 0
 * @param backupSize        crash images: bytes to back up (640 KiB), else 0 (no backup)
 */
public record PurgatoryParams(Arch arch, long loadAddress, long kernelEntry, long zeroPage,
                              long backupSource, long backupDestination, long backupSize) {
    /** Parameters for an image that needs no backup of low memory. */
    public static PurgatoryParams of(Arch arch, long loadAddress, long kernelEntry, long zeroPage) {
        return new PurgatoryParams(arch, loadAddress, kernelEntry, zeroPage, 0, 0, 0);
    }
}
