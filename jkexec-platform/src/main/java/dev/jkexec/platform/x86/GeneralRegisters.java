package dev.jkexec.platform.x86;

import java.util.List;

/**
 * The sixteen general registers, in the order QEMU prints them. A CPU outside a 64-bit code
 * segment has only the low halves of the first eight; whoever reads such a state records the rest
 * as 0 (QEMU's 32-bit dumps show nothing else).
 */
public record GeneralRegisters(
        long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rbp, long rsp,
        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15) {

    /** The registers' names, in component order: {@code rax rbx rcx rdx rsi rdi rbp rsp r8 .. r15}. */
    public static final List<String> NAMES = List.of("rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
            "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15");

    /** All zero. */
    public static final GeneralRegisters ZERO = of(new long[16]);

    /** From values in the order of {@link #NAMES}. */
    public static GeneralRegisters of(long[] v) {
        if (v.length != 16) {
            throw new IllegalArgumentException(v.length + " values for 16 registers");
        }
        return new GeneralRegisters(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]);
    }

    /** The values in the order of {@link #NAMES}. */
    public long[] values() {
        return new long[] {rax, rbx, rcx, rdx, rsi, rdi, rbp, rsp, r8, r9, r10, r11, r12, r13, r14, r15};
    }

    /** The same registers with the one called {@code name} (one of {@link #NAMES}) set to {@code value}. */
    public GeneralRegisters with(String name, long value) {
        int i = NAMES.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("no register " + name);
        }
        long[] v = values();
        v[i] = value;
        return of(v);
    }
}
