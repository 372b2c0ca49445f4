package dev.jkexec.platform.x86;

import java.util.Objects;

/**
 * One x86 CPU's architectural state: the sixteen general registers, RIP, RFLAGS, the segment
 * registers with their descriptor caches, the descriptor tables and the control registers.
 *
 * <p>The one shape of CPU state in jkexec: QEMU's register dump is parsed into it
 * ({@code dev.jkexec.qemu.cpu.CpuStateParser}), the handover contract checker reads it and crash
 * notes are written from it. What it does not hold (FPU, SSE, debug registers, MSRs other than
 * EFER) no part of jkexec reads.
 */
public record Registers(
        GeneralRegisters gpr, long rip, long rflags,
        Segment es, Segment cs, Segment ss, Segment ds, Segment fs, Segment gs, Segment ldt, Segment tr,
        DescriptorTable gdt, DescriptorTable idt,
        long cr0, long cr2, long cr3, long cr4, long efer) {

    public Registers {
        Objects.requireNonNull(gpr, "gpr");
        for (Segment s : new Segment[] {es, cs, ss, ds, fs, gs, ldt, tr}) {
            Objects.requireNonNull(s, "segment");
        }
        Objects.requireNonNull(gdt, "gdt");
        Objects.requireNonNull(idt, "idt");
    }

    /** The execution mode, from CR0.PE, EFER.LMA, CS.L/D and RFLAGS.VM. */
    public CpuMode mode() {
        if ((cr0 & Cr0.PE) == 0) {
            return CpuMode.REAL;
        }
        if ((efer & Efer.LMA) != 0) {
            return cs.longMode() ? CpuMode.LONG_64 : CpuMode.COMPATIBILITY;
        }
        if ((rflags & Rflags.VM) != 0) {
            return CpuMode.VIRTUAL_8086;
        }
        return cs.defaultBig() ? CpuMode.PROTECTED_32 : CpuMode.PROTECTED_16;
    }

    public boolean paging() {
        return (cr0 & Cr0.PG) != 0;
    }

    /** The linear address of the next instruction: CS base + RIP (the base is 0 in long mode). */
    public long linearRip() {
        return mode() == CpuMode.LONG_64 ? rip : (cs.base() + rip) & 0xFFFF_FFFFL;
    }
}
