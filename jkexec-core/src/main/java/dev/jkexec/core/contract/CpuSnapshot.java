package dev.jkexec.core.contract;

import java.util.Map;

/**
 * One vCPU's architectural state at a stop, as the contract checker needs it. Built by the
 * machine from QEMU's register dump; pure data here.
 *
 * @param gprs     general registers by lower-case 64-bit name ({@code rax} .. {@code r15})
 * @param segments segment registers by upper-case name ({@code CS}, {@code DS}, ...)
 */
public record CpuSnapshot(long rip, long rflags, Map<String, Long> gprs, long cr0, long cr2, long cr3, long cr4,
                          long efer, Map<String, SegmentCache> segments, long gdtBase, long gdtLimit,
                          long idtBase, long idtLimit) {
    public static final long CR0_PE = 1L;
    public static final long CR0_TS = 1L << 3;
    public static final long CR0_EM = 1L << 2;
    public static final long CR0_WP = 1L << 16;
    public static final long CR0_AM = 1L << 18;
    public static final long CR0_NW = 1L << 29;
    public static final long CR0_CD = 1L << 30;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long CR4_LA57 = 1L << 12;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
    public static final long RFLAGS_DF = 1L << 10;
    public static final long RFLAGS_IF = 1L << 9;

    public CpuSnapshot {
        gprs = Map.copyOf(gprs);
        segments = Map.copyOf(segments);
    }

    public long gpr(String name) {
        Long v = gprs.get(name);
        if (v == null) {
            throw new IllegalArgumentException("no register " + name);
        }
        return v;
    }

    public SegmentCache segment(String name) {
        SegmentCache s = segments.get(name);
        if (s == null) {
            throw new IllegalArgumentException("no segment register " + name);
        }
        return s;
    }

    public boolean longModeActive() {
        return (efer & EFER_LMA) != 0;
    }
}
