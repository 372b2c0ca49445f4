package dev.jkexec.image.bzimage;

import java.util.List;

/** The bits of {@code setup_header.xloadflags} (0x236, protocol 2.12+). */
public enum XLoadFlag implements BitFlag {
    /** A 64-bit entry point exists at load address + 0x200. */
    XLF_KERNEL_64(0x01),
    /** Kernel, boot_params, command line and initrd may live above 4 GiB (with the 64-bit entry). */
    XLF_CAN_BE_LOADED_ABOVE_4G(0x02),
    XLF_EFI_HANDOVER_32(0x04),
    XLF_EFI_HANDOVER_64(0x08),
    /** The kernel can take EFI runtime state over kexec. */
    XLF_EFI_KEXEC(0x10),
    /** The kernel can be entered with CR4.LA57 set. */
    XLF_5LEVEL(0x20),
    /** Built with 5-level paging support. */
    XLF_5LEVEL_ENABLED(0x40);

    private final int bit;

    XLoadFlag(int bit) {
        this.bit = bit;
    }

    @Override
    public int bit() {
        return bit;
    }

    /** The named flags set in {@code flags}, then {@code 0x..} for unnamed bits. */
    public static List<String> decode(int flags) {
        return BitFlag.decode(flags, values());
    }
}
