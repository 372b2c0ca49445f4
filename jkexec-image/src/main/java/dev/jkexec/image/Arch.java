package dev.jkexec.image;

/**
 * The architecture of an image as an ELF {@code e_machine} value; it selects the CPU mode the
 * image is entered in (Xen's {@code xen_kexec_load.arch}).
 */
public enum Arch {
    /** EM_X86_64 = 62: entered in 64-bit long mode, paging on, identity mapped. */
    X86_64(62),
    /** EM_386 = 3: entered in 32-bit protected mode, paging off. */
    I386(3);

    private final int elfMachine;

    Arch(int elfMachine) {
        this.elfMachine = elfMachine;
    }

    /** The ELF {@code e_machine} value used on the ABI. */
    public int elfMachine() {
        return elfMachine;
    }

    /** The architecture for an {@code e_machine} value, or {@code null} if jkexec cannot enter it. */
    public static Arch ofElfMachine(long value) {
        for (Arch a : values()) {
            if (a.elfMachine == value) {
                return a;
            }
        }
        return null;
    }

    /** Name as printed: {@code EM_X86_64} or {@code EM_386}. */
    public String elfName() {
        return this == X86_64 ? "EM_X86_64" : "EM_386";
    }
}
