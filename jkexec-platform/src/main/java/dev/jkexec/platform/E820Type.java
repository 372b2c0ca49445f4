package dev.jkexec.platform;

/** The e820 memory types (arch/x86/include/uapi/asm/e820/types.h). */
public enum E820Type {
    RAM(1), RESERVED(2), ACPI(3), NVS(4), UNUSABLE(5), PMEM(7), PRAM(12);

    private final int code;

    E820Type(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The type for an e820 code, or {@code null} for a code Linux does not define. */
    public static E820Type ofCode(long code) {
        for (E820Type t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
