package dev.jkexec.qemu.cpu;

import dev.jkexec.platform.x86.Registers;
import java.util.Objects;

/**
 * One vCPU as QEMU's {@code info registers} shows it (parsed by {@link CpuStateParser}): its
 * architectural {@link Registers} and what QEMU adds about it.
 *
 * @param cpu           QEMU's CPU index ({@code CPU#n})
 * @param registerWidth 64 if QEMU printed RAX..R15 and a 64-bit RIP, 32 if it printed EAX..EDI
 *                      (then R8..R15 and the high halves are recorded as 0)
 * @param cpl           current privilege level
 * @param halted        QEMU's {@code HLT=1}: the vCPU is in HLT (or, for an AP, waiting for INIT/SIPI)
 * @param registers     the architectural state
 */
public record CpuState(int cpu, int registerWidth, int cpl, boolean halted, Registers registers) {
    public CpuState {
        Objects.requireNonNull(registers, "registers");
    }
}
