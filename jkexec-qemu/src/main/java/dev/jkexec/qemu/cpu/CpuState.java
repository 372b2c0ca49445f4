package dev.jkexec.qemu.cpu;

/**
 * One vCPU's architectural state, as QEMU's {@code info registers} shows it (parsed by
 * {@link CpuStateParser}). Values the dump does not show (FPU, SSE, debug registers, MSRs other than
 * EFER) are not here.
 *
 * @param cpu           QEMU's CPU index ({@code CPU#n})
 * @param registerWidth 64 if QEMU printed RAX..R15 and a 64-bit RIP, 32 if it printed EAX..EDI
 * @param cpl           current privilege level
 * @param halted        QEMU's {@code HLT=1}: the vCPU is in HLT (or, for an AP, waiting for INIT/SIPI)
 */
public record CpuState(
        int cpu, int registerWidth, GeneralRegisters gpr, long rip, long rflags, int cpl, boolean halted,
        Segment es, Segment cs, Segment ss, Segment ds, Segment fs, Segment gs, Segment ldt, Segment tr,
        DescriptorTable gdt, DescriptorTable idt,
        long cr0, long cr2, long cr3, long cr4, long efer) {

    public static final long CR0_PE = 1L;
    public static final long CR0_PG = 1L << 31;
    public static final long CR4_PAE = 1L << 5;
    public static final long EFER_LME = 1L << 8;
    public static final long EFER_LMA = 1L << 10;
    public static final long RFLAGS_IF = 1L << 9;
    public static final long RFLAGS_VM = 1L << 17;

    public CpuMode mode() {
        if ((cr0 & CR0_PE) == 0) {
            return CpuMode.REAL;
        }
        if ((efer & EFER_LMA) != 0) {
            return cs.longMode() ? CpuMode.LONG_64 : CpuMode.COMPATIBILITY;
        }
        if ((rflags & RFLAGS_VM) != 0) {
            return CpuMode.VIRTUAL_8086;
        }
        return cs.defaultBig() ? CpuMode.PROTECTED_32 : CpuMode.PROTECTED_16;
    }

    public boolean paging() {
        return (cr0 & CR0_PG) != 0;
    }

    public boolean interruptsEnabled() {
        return (rflags & RFLAGS_IF) != 0;
    }

    /** The linear address of the next instruction: CS base + RIP (the base is 0 in long mode). */
    public long linearRip() {
        return mode() == CpuMode.LONG_64 ? rip : (cs.base() + rip) & 0xFFFF_FFFFL;
    }
}
