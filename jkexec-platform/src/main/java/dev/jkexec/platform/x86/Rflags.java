package dev.jkexec.platform.x86;

/** The bits of RFLAGS jkexec sets or checks (SDM vol. 1, 3.4.3). */
public final class Rflags {
    /** Bit 1 reads as 1, always: RFLAGS with every flag clear is this value, 0x2. */
    public static final long FIXED = 1L << 1;
    /** Interrupt enable. */
    public static final long IF = 1L << 9;
    /** Direction: string instructions count down. */
    public static final long DF = 1L << 10;
    /** Virtual-8086 mode. */
    public static final long VM = 1L << 17;

    private Rflags() {
    }
}
