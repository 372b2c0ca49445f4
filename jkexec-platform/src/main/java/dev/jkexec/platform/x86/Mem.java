package dev.jkexec.platform.x86;

/**
 * A memory operand. Three shapes:
 * <ul>
 *   <li>{@code [base + disp]} with a 32- or 64-bit base register, or in 16-bit code one of
 *       {@code bx}, {@code si}, {@code di}, {@code bp} (optionally with a segment override);</li>
 *   <li>{@code [abs]} an absolute address (32-bit in 32/64-bit code; 16-bit offset from
 *       {@code segmentBase} in 16-bit code, optionally with a segment override);</li>
 *   <li>{@code [rip + label]} RIP-relative, 64-bit code only (needed for ROM code at 0xFFFFxxxx,
 *       whose absolute addresses would sign-extend).</li>
 * </ul>
 */
public record Mem(Reg base, long disp, Label label, boolean ripRelative, Sreg override, long segmentBase) {
    /** {@code [base + disp]}. */
    public static Mem at(Reg base, long disp) {
        return new Mem(base, disp, null, false, null, 0);
    }

    /** {@code seg:[base + disp]}: 16-bit code with a 16-bit base register and a segment override. */
    public static Mem at(Sreg override, Reg base, long disp) {
        return new Mem(base, disp, null, false, override, 0);
    }

    /** {@code [base]}. */
    public static Mem at(Reg base) {
        return at(base, 0);
    }

    /** {@code [address]} absolute. */
    public static Mem abs(long address) {
        return new Mem(null, address, null, false, null, 0);
    }

    /** {@code [label]} absolute (32-bit code). */
    public static Mem abs(Label label) {
        return new Mem(null, 0, label, false, null, 0);
    }

    /** {@code seg:[label - segmentBase]}: 16-bit code addressing a label through a segment. */
    public static Mem seg16(Sreg override, Label label, long segmentBase) {
        return new Mem(null, 0, label, false, override, segmentBase);
    }

    /** {@code [rip + label]}: 64-bit code. */
    public static Mem rip(Label label) {
        return new Mem(null, 0, label, true, null, 0);
    }
}
