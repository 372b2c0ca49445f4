package dev.jkexec.image.plan;

import dev.jkexec.image.Arch;

/**
 * How the kernel is entered (spec §3): the 64-bit entry at load address + 0x200 (long mode, the
 * image is EM_X86_64); the 32-bit entry {@code startup_32} at the load address (protected mode
 * without paging, everything below 4 GiB, the image is EM_386); or the original 16-bit entry, the
 * real-mode setup code at {@code (X >> 4) + 0x20 : 0} as kexec-tools' {@code --real-mode} enters
 * it (the image is EM_386 too: the firmware enters its purgatory in protected mode, and the
 * purgatory drops to real mode; the setup code then calls the BIOS that jkexec's firmware provides).
 */
public enum EntryMode {
    BIT64(Arch.X86_64, 0x200),
    BIT32(Arch.I386, 0),
    BIT16(Arch.I386, 0);

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

    /** Offset of the kernel's entry from a bzImage's protected-mode load address (32/64-bit entries). */
    public long offset() {
        return offset;
    }

    /** {@code 64}, {@code 32} or {@code 16}, as the command line spells it. */
    public static EntryMode ofBits(int bits) {
        return switch (bits) {
            case 64 -> BIT64;
            case 32 -> BIT32;
            case 16 -> BIT16;
            default -> throw new IllegalArgumentException("entry mode " + bits + " is none of 64, 32, 16");
        };
    }

    public int bits() {
        return switch (this) {
            case BIT64 -> 64;
            case BIT32 -> 32;
            case BIT16 -> 16;
        };
    }
}
