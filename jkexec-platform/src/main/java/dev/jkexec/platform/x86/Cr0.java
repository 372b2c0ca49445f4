package dev.jkexec.platform.x86;

/** The bits of control register CR0 jkexec sets, clears or checks (SDM vol. 3, 2.5). */
public final class Cr0 {
    /** Protection enable: protected mode. */
    public static final long PE = 1L;
    /** Monitor coprocessor. */
    public static final long MP = 1L << 1;
    /** x87 emulation: FPU instructions fault. */
    public static final long EM = 1L << 2;
    /** Task switched: the next FPU instruction faults. */
    public static final long TS = 1L << 3;
    /** Extension type (hard-wired 1 since the 486). */
    public static final long ET = 1L << 4;
    /** Write protect: ring 0 honours read-only pages. */
    public static final long WP = 1L << 16;
    /** Alignment mask. */
    public static final long AM = 1L << 18;
    /** Not write-through (set at reset). */
    public static final long NW = 1L << 29;
    /** Cache disable (set at reset). */
    public static final long CD = 1L << 30;
    /** Paging. */
    public static final long PG = 1L << 31;

    private Cr0() {
    }
}
