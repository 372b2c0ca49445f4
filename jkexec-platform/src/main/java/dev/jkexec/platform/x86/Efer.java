package dev.jkexec.platform.x86;

/** The extended feature enable register, MSR {@link #MSR}, and the bits of it jkexec uses (SDM vol. 3, 2.2.1). */
public final class Efer {
    /** The MSR number ({@code rdmsr}/{@code wrmsr} with ECX = this). */
    public static final long MSR = 0xC000_0080L;
    /** Long mode enable: long mode once paging is turned on. */
    public static final long LME = 1L << 8;
    /** Long mode active (set by the CPU). */
    public static final long LMA = 1L << 10;

    private Efer() {
    }
}
