package dev.jkexec.platform.x86;

/** Condition codes for {@code Jcc}; the value is the low nibble of the opcode. */
public enum Cond {
    O(0), NO(1), B(2), AE(3), E(4), NE(5), BE(6), A(7), S(8), NS(9), P(0xA), NP(0xB), L(0xC), GE(0xD), LE(0xE), G(0xF);

    final int code;

    Cond(int code) {
        this.code = code;
    }

    public static final Cond Z = E;
    public static final Cond NZ = NE;
}
