package dev.jkexec.qemu.cpu;

/**
 * The sixteen general registers. When QEMU prints a 32-bit dump (the vCPU is not in a 64-bit code
 * segment) only the low halves of the first eight are shown; the rest are recorded as 0 and
 * {@link CpuState#registerWidth()} is 32.
 */
public record GeneralRegisters(
        long rax, long rbx, long rcx, long rdx, long rsi, long rdi, long rbp, long rsp,
        long r8, long r9, long r10, long r11, long r12, long r13, long r14, long r15) {

    /** From values in the order RAX, RBX, RCX, RDX, RSI, RDI, RBP, RSP, R8..R15. */
    static GeneralRegisters of(long[] v) {
        return new GeneralRegisters(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
                v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]);
    }
}
