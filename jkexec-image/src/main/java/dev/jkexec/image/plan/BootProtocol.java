package dev.jkexec.image.plan;

/**
 * The protocol between the purgatory and the kernel it enters: what the kernel finds in its
 * registers and memory at its first instruction. The contract checker has a rule set for each.
 */
public enum BootProtocol {
    /** Linux, 64-bit: long mode, RSI = boot_params (boot.rst; spec §3.3). */
    LINUX_64("Linux 64-bit boot protocol"),
    /** Linux, 32-bit: protected mode, paging off, ESI = boot_params (spec §3.2). */
    LINUX_32("Linux 32-bit boot protocol"),
    /** Linux, 16-bit: real mode at the setup code, DS = ES = SS = setup segment (spec §3.1). */
    LINUX_16("Linux real-mode boot protocol"),
    /** Multiboot v1: protected mode, paging off, EAX = 0x2BADB002, EBX = the information structure. */
    MULTIBOOT("Multiboot v1");

    private final String label;

    BootProtocol(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** The Linux protocol of an entry mode. */
    public static BootProtocol linux(EntryMode mode) {
        return switch (mode) {
            case BIT64 -> LINUX_64;
            case BIT32 -> LINUX_32;
            case BIT16 -> LINUX_16;
        };
    }
}
