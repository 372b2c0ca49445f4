package dev.jkexec.image.plan;

import dev.jkexec.image.Arch;

/**
 * How the kernel is entered (spec §3): the 64-bit entry at load address + 0x200 (long mode, the
 * image is EM_X86_64), or the 32-bit entry {@code startup_32} at the load address (protected mode
 * without paging, everything below 4 GiB, the image is EM_386).
 */
public enum EntryMode {
    BIT64(Arch.X86_64, 0x200),
    BIT32(Arch.I386, 0);

    private final Arch arch;
    private final long offset;

    EntryMode(Arch arch, long offset) {
        this.arch = arch;
        this.offset = offset;
    }

    /** The image architecture this entry mode gives. */
    public Arch arch() {
        return arch;
    }

    /** Offset of the entry from a bzImage's protected-mode load address. */
    public long offset() {
        return offset;
    }

    /** {@code 64} or {@code 32}, as the command line spells it. */
    public static EntryMode ofBits(int bits) {
        return switch (bits) {
            case 64 -> BIT64;
            case 32 -> BIT32;
            default -> throw new IllegalArgumentException("entry mode " + bits + " is neither 64 nor 32");
        };
    }

    public int bits() {
        return this == BIT64 ? 64 : 32;
    }
}
