package dev.jkexec.machine.crash;

import dev.jkexec.platform.JkexecException;

/** The host-side dump formats: an ELF core, or makedumpfile's kdump-compressed format (zlib or zstd pages). */
public enum DumpFormat {
    ELF("elf"),
    KDUMP_ZLIB("kdump-zlib"),
    KDUMP_ZSTD("kdump-zstd");

    private final String label;

    DumpFormat(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public boolean kdump() {
        return this != ELF;
    }

    public static DumpFormat parse(String s) {
        for (DumpFormat f : values()) {
            if (f.label.equals(s)) {
                return f;
            }
        }
        throw new JkexecException("format: '" + s + "' is not elf, kdump-zlib or kdump-zstd");
    }
}
