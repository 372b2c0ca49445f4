package dev.jkexec.platform.x86;

/**
 * A general-purpose register of a given width. {@code number} is the 4-bit encoding (bit 3 goes
 * into REX), {@code bits} is 8, 16, 32 or 64.
 */
public record Reg(int number, int bits, String name) {
    public static final Reg AL = new Reg(0, 8, "al");
    public static final Reg CL = new Reg(1, 8, "cl");
    public static final Reg DL = new Reg(2, 8, "dl");
    public static final Reg BL = new Reg(3, 8, "bl");
    /** The high byte registers: encodings 4-7 without REX (16- and 32-bit code). */
    public static final Reg AH = new Reg(4, 8, "ah");
    public static final Reg CH = new Reg(5, 8, "ch");
    public static final Reg DH = new Reg(6, 8, "dh");
    public static final Reg BH = new Reg(7, 8, "bh");

    public static final Reg AX = new Reg(0, 16, "ax");
    public static final Reg CX = new Reg(1, 16, "cx");
    public static final Reg DX = new Reg(2, 16, "dx");
    public static final Reg BX = new Reg(3, 16, "bx");
    public static final Reg SP = new Reg(4, 16, "sp");
    public static final Reg BP = new Reg(5, 16, "bp");
    public static final Reg SI = new Reg(6, 16, "si");
    public static final Reg DI = new Reg(7, 16, "di");

    public static final Reg EAX = new Reg(0, 32, "eax");
    public static final Reg ECX = new Reg(1, 32, "ecx");
    public static final Reg EDX = new Reg(2, 32, "edx");
    public static final Reg EBX = new Reg(3, 32, "ebx");
    public static final Reg ESP = new Reg(4, 32, "esp");
    public static final Reg EBP = new Reg(5, 32, "ebp");
    public static final Reg ESI = new Reg(6, 32, "esi");
    public static final Reg EDI = new Reg(7, 32, "edi");

    public static final Reg RAX = new Reg(0, 64, "rax");
    public static final Reg RCX = new Reg(1, 64, "rcx");
    public static final Reg RDX = new Reg(2, 64, "rdx");
    public static final Reg RBX = new Reg(3, 64, "rbx");
    public static final Reg RSP = new Reg(4, 64, "rsp");
    public static final Reg RBP = new Reg(5, 64, "rbp");
    public static final Reg RSI = new Reg(6, 64, "rsi");
    public static final Reg RDI = new Reg(7, 64, "rdi");
    public static final Reg R8 = new Reg(8, 64, "r8");
    public static final Reg R9 = new Reg(9, 64, "r9");
    public static final Reg R10 = new Reg(10, 64, "r10");
    public static final Reg R11 = new Reg(11, 64, "r11");
    public static final Reg R12 = new Reg(12, 64, "r12");
    public static final Reg R13 = new Reg(13, 64, "r13");
    public static final Reg R14 = new Reg(14, 64, "r14");
    public static final Reg R15 = new Reg(15, 64, "r15");

    /** The 16 64-bit registers in encoding order. */
    public static final Reg[] GPR64 = {RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15};

    public Reg {
        if (number < 0 || number > 15 || (bits != 8 && bits != 16 && bits != 32 && bits != 64)) {
            throw new IllegalArgumentException("bad register " + name);
        }
    }

    /** Low three bits, as they go into ModRM/SIB/opcode. */
    int low3() {
        return number & 7;
    }

    /** Whether the register needs a REX extension bit. */
    boolean extended() {
        return number >= 8;
    }

    /** The 32-bit register with the same number. */
    public Reg as32() {
        return number < 8 ? new Reg(number, 32, "e" + name.substring(1)) : new Reg(number, 32, name + "d");
    }

    @Override
    public String toString() {
        return name;
    }
}
