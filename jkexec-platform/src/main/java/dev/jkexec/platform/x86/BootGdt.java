package dev.jkexec.platform.x86;

/**
 * The GDT of every jkexec handover, and its selectors: the Linux boot protocol's {@code __BOOT_CS}
 * (0x10) and {@code __BOOT_DS} (0x18) (x86-boot-and-kexec.md §3.2, §3.3). The firmware's ROM, the
 * entry GDTs in jkexec's hidden page, the purgatory and the contract checker all use this one
 * layout, four entries:
 *
 * <pre>
 *  0x00  null
 *  0x08  the other code segment (the one the CPU is not entered in; the firmware runs on it
 *        between modes)
 *  0x10  code of the entry mode: 64-bit for long-mode entries, flat 32-bit for protected mode
 *  0x18  flat 4 GiB read/write data
 * </pre>
 */
public final class BootGdt {
    /** The code segment that is not the entry mode's. */
    public static final int OTHER_CODE = 0x08;
    /** {@code __BOOT_CS}: the entry mode's code segment. */
    public static final int CODE = 0x10;
    /** {@code __BOOT_DS}: flat data, for DS, ES, SS (and FS, GS). */
    public static final int DATA = 0x18;
    /** Entries in the table. */
    public static final int ENTRIES = 4;
    /** The GDTR limit: size in bytes minus one. */
    public static final int LIMIT = ENTRIES * 8 - 1;

    private BootGdt() {
    }

    /** The table's descriptors, by index: null, {@code other}, {@code code}, flat data. */
    public static long[] entries(SegmentDescriptor code, SegmentDescriptor other) {
        return new long[] {0, other.encode(), code.encode(), SegmentDescriptor.DATA.encode()};
    }
}
