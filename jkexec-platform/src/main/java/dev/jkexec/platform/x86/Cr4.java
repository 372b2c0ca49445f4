package dev.jkexec.platform.x86;

/** The bits of control register CR4 jkexec sets or checks (SDM vol. 3, 2.5). */
public final class Cr4 {
    /** Physical address extension: required for long mode. */
    public static final long PAE = 1L << 5;
    /** 5-level paging; Linux's 4-level entry requires it clear. */
    public static final long LA57 = 1L << 12;

    private Cr4() {
    }
}
