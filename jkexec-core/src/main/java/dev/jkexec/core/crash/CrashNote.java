package dev.jkexec.core.crash;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.GeneralRegisters;
import dev.jkexec.platform.x86.Registers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A vCPU's crash note: one ELF {@code NT_PRSTATUS} note ("CORE"), the Linux x86-64
 * {@code elf_prstatus} layout Xen also writes (xen-kexec-4.17.md §6.2), so a crash kernel's
 * {@code /proc/vmcore} and readers like {@code crash}/{@code gdb} see each vCPU's registers.
 *
 * <pre>
 *  0   12   note header: namesz 5, descsz 336, type 1 (NT_PRSTATUS)
 *  12   8   "CORE\0" + 3 pad
 *  20  336  elf_prstatus: pr_pid @32 (vCPU index + 1), pr_reg @112 = 27 u64:
 *           r15 r14 r13 r12 rbp rbx r11 r10 r9 r8 rax rcx rdx rsi rdi orig_rax rip cs
 *           eflags rsp ss fs_base gs_base ds es fs gs
 * </pre>
 *
 * A note slot ({@code get_range CPU n}) is zero after the note: Linux's vmcore stops reading a
 * note buffer at a zero {@code namesz}.
 */
public final class CrashNote {
    public static final int NT_PRSTATUS = 1;
    public static final int PRSTATUS_SIZE = 336;
    public static final int PR_REG_OFFSET = 112;
    public static final int PR_PID_OFFSET = 32;
    public static final int NOTE_SIZE = 12 + 8 + PRSTATUS_SIZE;
    /** pr_reg order (Linux struct user_regs_struct). */
    public static final String[] REGISTERS = {"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",
        "rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base",
        "ds", "es", "fs", "gs"};

    private CrashNote() {
    }

    /** The note for one vCPU ({@code orig_rax} is 0: a crash is no system call). */
    public static byte[] encode(int cpu, Registers registers) {
        ByteBuffer b = ByteBuffer.allocate(NOTE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(5).putInt(PRSTATUS_SIZE).putInt(NT_PRSTATUS);
        b.put("CORE\0\0\0\0".getBytes(StandardCharsets.US_ASCII));
        int desc = b.position();
        b.putInt(desc + PR_PID_OFFSET, cpu + 1);
        long[] regs = prReg(registers);
        for (int i = 0; i < regs.length; i++) {
            b.putLong(desc + PR_REG_OFFSET + 8 * i, regs[i]);
        }
        return b.array();
    }

    /** {@code pr_reg} in the order of {@link #REGISTERS}. */
    private static long[] prReg(Registers r) {
        GeneralRegisters g = r.gpr();
        return new long[] {g.r15(), g.r14(), g.r13(), g.r12(), g.rbp(), g.rbx(), g.r11(), g.r10(), g.r9(), g.r8(),
            g.rax(), g.rcx(), g.rdx(), g.rsi(), g.rdi(), 0, r.rip(), r.cs().selector(),
            r.rflags(), g.rsp(), r.ss().selector(), r.fs().base(), r.gs().base(),
            r.ds().selector(), r.es().selector(), r.fs().selector(), r.gs().selector()};
    }

    /** The {@code pr_reg} fields of a note written by {@link #encode}, by their names ({@link #REGISTERS}); for tests and dumps. */
    public static Map<String, Long> decode(byte[] note) {
        ByteBuffer b = ByteBuffer.wrap(note).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 5 || b.getInt(4) != PRSTATUS_SIZE || b.getInt(8) != NT_PRSTATUS) {
            throw new IllegalArgumentException("not an NT_PRSTATUS note");
        }
        Map<String, Long> r = new LinkedHashMap<>();
        for (int i = 0; i < REGISTERS.length; i++) {
            r.put(REGISTERS[i], b.getLong(20 + PR_REG_OFFSET + 8 * i));
        }
        return r;
    }

    /** Writes vCPU {@code cpu}'s note into its slot of {@code slotSize} bytes and zeroes the rest of the slot. */
    public static void write(PhysicalMemory memory, long slot, long slotSize, int cpu, Registers registers) {
        if (slotSize < NOTE_SIZE) {
            throw new IllegalArgumentException("crash note slot of " + slotSize + " bytes < " + NOTE_SIZE);
        }
        memory.zero(slot, slotSize);
        memory.write(slot, encode(cpu, registers));
    }
}
