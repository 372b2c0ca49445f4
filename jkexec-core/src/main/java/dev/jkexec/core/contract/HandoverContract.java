package dev.jkexec.core.contract;

import java.util.List;
import java.util.Objects;

/**
 * What must hold at one handover boundary, for one image.
 *
 * <ul>
 *   <li>{@link Boundary#IMAGE_ENTRY_64} / {@link Boundary#IMAGE_ENTRY_32}: jkexec's firmware →
 *       the image's entry (the hypervisor contract: Xen's {@code kexec_reloc} state, made exact by
 *       jkexec's decisions — registers zero but the stack, RFLAGS 0x2, IDT limit 0).</li>
 *   <li>{@link Boundary#LINUX_64} / {@link Boundary#LINUX_32}: purgatory → kernel entry (the Linux
 *       x86 boot protocol, boot.rst; x86-boot-and-kexec.md §3.2, §3.3).</li>
 *   <li>{@link Boundary#LINUX_16}: purgatory → the kernel's real-mode setup code (boot.rst's 16-bit
 *       protocol, §3.1), with the BIOS jkexec's firmware provides ({@link RealModeRules}).</li>
 *   <li>{@link Boundary#MULTIBOOT}: purgatory → a Multiboot v1 kernel (the Multiboot spec §3.2)
 *       ({@link MultibootRules}).</li>
 * </ul>
 *
 * @param boundary   which contract
 * @param entry      where the CPU must be
 * @param mapped     ranges that must be identity mapped (64-bit) or below 4 GiB (32-bit)
 * @param zeroPage   boot_params address (Linux boundaries); the setup code's base X (16-bit);
 *                   the information structure (Multiboot); else 0
 * @param ram        the RAM ranges of the machine the kernel is told about (for the e820 rule), may be empty
 */
public record HandoverContract(Boundary boundary, long entry, List<NamedRange> mapped, long zeroPage,
                               List<NamedRange> ram) {
    public enum Boundary {
        IMAGE_ENTRY_64, IMAGE_ENTRY_32, LINUX_64, LINUX_32, LINUX_16, MULTIBOOT;

        public boolean longMode() {
            return this == IMAGE_ENTRY_64 || this == LINUX_64;
        }

        /** The 32- and 64-bit Linux boundaries (zero page in RSI/ESI). */
        public boolean linux() {
            return this == LINUX_64 || this == LINUX_32;
        }
    }

    /** A range with a name for messages. */
    public record NamedRange(String name, long start, long length) {
    }

    public HandoverContract {
        Objects.requireNonNull(boundary, "boundary");
        mapped = List.copyOf(mapped);
        ram = List.copyOf(ram);
    }
}
