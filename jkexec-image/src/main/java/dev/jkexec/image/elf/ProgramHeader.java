package dev.jkexec.image.elf;

/**
 * One ELF program header, widened to 64 bits (ELF32 fields are zero-extended). Values are raw: a
 * u64 of 2^63 or more reads negative, and callers compare unsigned.
 *
 * @param index  position in the program header table
 * @param type   {@code p_type}
 * @param flags  {@code p_flags} (PF_X 1, PF_W 2, PF_R 4)
 * @param offset {@code p_offset}
 * @param vaddr  {@code p_vaddr}
 * @param paddr  {@code p_paddr}
 * @param filesz {@code p_filesz}
 * @param memsz  {@code p_memsz}
 * @param align  {@code p_align}
 */
public record ProgramHeader(int index, long type, long flags, long offset, long vaddr, long paddr,
                            long filesz, long memsz, long align) {
    public static final long PT_NULL = 0;
    public static final long PT_LOAD = 1;
    public static final long PT_DYNAMIC = 2;
    public static final long PT_INTERP = 3;
    public static final long PT_NOTE = 4;
    public static final long PT_PHDR = 6;
    public static final long PT_TLS = 7;
    public static final long PT_GNU_EH_FRAME = 0x6474E550L;
    public static final long PT_GNU_STACK = 0x6474E551L;
    public static final long PT_GNU_RELRO = 0x6474E552L;
    public static final long PT_GNU_PROPERTY = 0x6474E553L;

    public boolean isLoad() {
        return type == PT_LOAD;
    }

    public boolean isNote() {
        return type == PT_NOTE;
    }

    /** {@code PT_LOAD}, {@code PT_NOTE}, ... or the number in hex. */
    public String typeName() {
        return typeName(type);
    }

    public static String typeName(long type) {
        if (type == PT_NULL) {
            return "PT_NULL";
        } else if (type == PT_LOAD) {
            return "PT_LOAD";
        } else if (type == PT_DYNAMIC) {
            return "PT_DYNAMIC";
        } else if (type == PT_INTERP) {
            return "PT_INTERP";
        } else if (type == PT_NOTE) {
            return "PT_NOTE";
        } else if (type == PT_PHDR) {
            return "PT_PHDR";
        } else if (type == PT_TLS) {
            return "PT_TLS";
        } else if (type == PT_GNU_EH_FRAME) {
            return "PT_GNU_EH_FRAME";
        } else if (type == PT_GNU_STACK) {
            return "PT_GNU_STACK";
        } else if (type == PT_GNU_RELRO) {
            return "PT_GNU_RELRO";
        } else if (type == PT_GNU_PROPERTY) {
            return "PT_GNU_PROPERTY";
        }
        return "0x" + Long.toHexString(type);
    }

    /** {@code RWX}-style flags. */
    public String flagString() {
        return ((flags & 4) != 0 ? "R" : "-") + ((flags & 2) != 0 ? "W" : "-") + ((flags & 1) != 0 ? "X" : "-");
    }
}
