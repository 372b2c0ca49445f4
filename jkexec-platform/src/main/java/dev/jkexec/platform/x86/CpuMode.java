package dev.jkexec.platform.x86;

/** The execution mode a vCPU is in, as derived from CR0.PE, EFER.LMA, CS.L/D and RFLAGS.VM. */
public enum CpuMode {
    REAL,
    VIRTUAL_8086,
    PROTECTED_16,
    PROTECTED_32,
    /** Long mode active, running a 16/32-bit code segment. */
    COMPATIBILITY,
    LONG_64
}
