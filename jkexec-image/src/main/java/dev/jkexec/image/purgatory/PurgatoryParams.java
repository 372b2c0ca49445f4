package dev.jkexec.image.purgatory;

import dev.jkexec.image.Arch;
import java.util.Objects;

/**
 * What the purgatory needs to know, patched into its code when it is built.
 *
 * @param arch              the mode the purgatory runs in (EM_X86_64: 64-bit; EM_386: 32-bit)
 * @param loadAddress       where the purgatory segment is placed (page aligned; below 4 GiB for
 *                          EM_386, below 640 KiB for the real-mode handoff)
 * @param kernelEntry       where to jump: load address + 0x200 for a bzImage's 64-bit entry, the load
 *                          address for its 32-bit entry, {@code e_entry} for an ELF vmlinux or a
 *                          Multiboot kernel, {@code X + 0x200} (the setup code) for the real-mode entry
 * @param zeroPage          Linux: physical address of boot_params (for the real-mode entry: the base
 *                          {@code X} of the setup code, whose segment the registers get);
 *                          Multiboot: the information structure (EBX)
 * @param backupSource      crash images: start of the low memory to back up (0), else 0
 * @param backupDestination crash images: where the backup goes (inside the crash region), else 0
 * @param backupSize        crash images: bytes to back up (640 KiB), else 0 (no backup)
 * @param handoff           the boot protocol the purgatory enters the kernel with
 * @param realModeStack     the real-mode handoff's SP (the setup code's heap end), else 0
 */
public record PurgatoryParams(Arch arch, long loadAddress, long kernelEntry, long zeroPage,
                              long backupSource, long backupDestination, long backupSize, Handoff handoff,
                              long realModeStack) {
    /** How the purgatory enters the kernel. */
    public enum Handoff {
        /** Linux in the purgatory's own mode: RSI/ESI = boot_params, RBX/EBX = 0. */
        LINUX,
        /** Linux's real-mode setup code: down to real mode, CS:IP = (X>>4)+0x20:0, DS = ES = FS = GS = SS = X>>4. */
        LINUX_REAL_MODE,
        /** Multiboot v1: EAX = 0x2BADB002, EBX = the information structure. */
        MULTIBOOT
    }

    public PurgatoryParams {
        Objects.requireNonNull(arch, "arch");
        Objects.requireNonNull(handoff, "handoff");
        if (handoff != Handoff.LINUX && arch != Arch.I386) {
            throw new IllegalArgumentException(handoff + " handoff needs an EM_386 purgatory");
        }
    }

    /** A Linux handoff with a backup of low memory (crash images). */
    public PurgatoryParams(Arch arch, long loadAddress, long kernelEntry, long zeroPage,
                           long backupSource, long backupDestination, long backupSize) {
        this(arch, loadAddress, kernelEntry, zeroPage, backupSource, backupDestination, backupSize, Handoff.LINUX, 0);
    }

    /** Parameters for a Linux image that needs no backup of low memory. */
    public static PurgatoryParams of(Arch arch, long loadAddress, long kernelEntry, long zeroPage) {
        return new PurgatoryParams(arch, loadAddress, kernelEntry, zeroPage, 0, 0, 0);
    }

    /** The same parameters with another handoff. */
    public PurgatoryParams withHandoff(Handoff h, long stack) {
        return new PurgatoryParams(arch, loadAddress, kernelEntry, zeroPage, backupSource, backupDestination, backupSize, h, stack);
    }
}
