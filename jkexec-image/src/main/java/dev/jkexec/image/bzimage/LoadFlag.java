package dev.jkexec.image.bzimage;

import java.util.List;

/** The bits of {@code setup_header.loadflags} (0x211). */
public enum LoadFlag implements BitFlag {
    /** The protected-mode code is loaded at 0x100000: a bzImage. */
    LOADED_HIGH(0x01),
    /** Kernel-internal: KASLR was applied by the decompressor. */
    KASLR_FLAG(0x02),
    /** Suppress early messages. */
    QUIET_FLAG(0x20),
    /** Obsolete (2.07+): do not reload segment registers at the 32-bit entry. */
    KEEP_SEGMENTS(0x40),
    /** heap_end_ptr is valid (real-mode boot only). */
    CAN_USE_HEAP(0x80);

    private final int bit;

    LoadFlag(int bit) {
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
