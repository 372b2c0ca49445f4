package dev.jkexec.core.contract;

import dev.jkexec.core.contract.HandoverContract.NamedRange;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.Cr0;
import dev.jkexec.platform.x86.Efer;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Rflags;
import dev.jkexec.platform.x86.Segment;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of the real-mode boundary: the purgatory → the kernel's setup code at X, entered as
 * boot.rst's 16-bit protocol says (x86-boot-and-kexec.md §3.1) and kexec-tools' {@code entry16}
 * does, with the BIOS it will call in place. {@code zeroPage} of the contract is X.
 *
 * <p>Rules: {@code entry.rip} (CS.base + IP is the entry, IP = 0), {@code mode.real} (CR0.PE,
 * CR0.PG and EFER.LMA clear), {@code cr0.flags} (CD, NW clear), {@code cs.selector}
 * (CS = (X >> 4) + 0x20, base CS × 16), {@code data.selectors} (DS = ES = FS = GS = SS = X >> 4,
 * base X), {@code stack.setup} (SP = the heap end the header names), {@code interrupts.off},
 * {@code rflags.df}, {@code registers.zero} (the general registers but ESP, jkexec's choice),
 * {@code ivt.bios} (IDTR at 0 with limit 0x3FF; the BIOS vectors the setup code calls point into
 * the ROM at F000), {@code bios.e820} (the table int 15h E820h hands out lists the machine's RAM),
 * {@code setup.header} (the header in the setup code: boot_flag, HdrS, a loader id, LOADED_HIGH |
 * CAN_USE_HEAP, heap_end_ptr, code32_start at the kernel), {@code setup.cmdline} (cmd_line_ptr
 * between the heap end and 0xA0000, NUL terminated within cmdline_size), {@code below-1m} (the
 * setup code and command line below 1 MiB, everything else below 4 GiB).
 */
final class RealModeRules {
    /** The BIOS vectors Linux's setup code and kexec-tools' real-mode path call. */
    static final int[] BIOS_VECTORS = {0x10, 0x13, 0x15, 0x16, 0x1A};
    static final int BIOS_SEGMENT = 0xF000;
    /** Where jkexec's BIOS keeps its e820 table (BiosData): the count at 0x4F0, entries from 0x500. */
    static final long E820_COUNT = 0x4F0;
    static final long E820_TABLE = 0x500;

    private final HandoverContract c;
    private final Registers s;
    private final PhysicalMemory m;
    private final List<RuleResult> out;

    RealModeRules(HandoverContract c, Registers s, PhysicalMemory m, List<RuleResult> out) {
        this.c = c;
        this.s = s;
        this.m = m;
        this.out = out;
    }

    void check() {
        long x = c.zeroPage();
        int setupSegment = (int) (x >>> 4);
        Segment cs = s.cs();
        long ip = s.rip() & 0xFFFF;
        rule("entry.rip", cs.base() + ip == c.entry() && ip == 0, "cs:ip %04x:%04x = 0x%x, entry 0x%x", cs.selector(), ip,
                cs.base() + ip, c.entry());
        boolean real = (s.cr0() & Cr0.PE) == 0 && (s.cr0() & Cr0.PG) == 0 && (s.efer() & Efer.LMA) == 0;
        rule("mode.real", real, "cr0 0x%x efer 0x%x: PE, PG, LMA clear", s.cr0(), s.efer());
        long badCr0 = s.cr0() & (Cr0.CD | Cr0.NW);
        rule("cr0.flags", badCr0 == 0, "cr0 0x%x, forbidden bits set 0x%x", s.cr0(), badCr0);
        int wantCs = setupSegment + 0x20;
        rule("cs.selector", cs.selector() == wantCs && cs.base() == (long) wantCs << 4, "cs 0x%x base 0x%x (want 0x%x base 0x%x)",
                cs.selector(), cs.base(), wantCs, (long) wantCs << 4);
        List<String> bad = new ArrayList<>();
        String[] names = {"DS", "ES", "FS", "GS", "SS"};
        Segment[] segs = {s.ds(), s.es(), s.fs(), s.gs(), s.ss()};
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            Segment seg = segs[i];
            if (seg.selector() != setupSegment || seg.base() != x) {
                bad.add(String.format("%s=0x%x(base 0x%x)", name, seg.selector(), seg.base()));
            }
        }
        rule("data.selectors", bad.isEmpty(), "%s", bad.isEmpty() ? String.format("DS, ES, FS, GS, SS = 0x%x", setupSegment)
                : String.join(" ", bad));
        long heapEnd = m.contains(x + 0x224, 2) ? (m.readInt(x + 0x224) & 0xFFFF) + 0x200 : -1;
        long sp = s.gpr().rsp() & 0xFFFF;
        rule("stack.setup", sp == heapEnd, "sp 0x%x, heap end 0x%x (heap_end_ptr + 0x200)", sp, heapEnd);
        rule("interrupts.off", (s.rflags() & Rflags.IF) == 0, "rflags 0x%x", s.rflags());
        rule("rflags.df", (s.rflags() & Rflags.DF) == 0, "rflags 0x%x (direction flag must be clear)", s.rflags());
        List<String> nonzero = new ArrayList<>();
        long[] values = s.gpr().values();
        for (int i = 0; i < 7; i++) {  // rax .. rbp; rsp is the setup code's stack
            String r = dev.jkexec.platform.x86.GeneralRegisters.NAMES.get(i);
            if (!r.equals("rsp") && (values[i] & 0xFFFF_FFFFL) != 0) {
                nonzero.add(r + "=0x" + Long.toHexString(values[i]));
            }
        }
        rule("registers.zero", nonzero.isEmpty(), "%s", nonzero.isEmpty() ? "all zero but esp" : String.join(" ", nonzero));
        checkVectors();
        checkE820();
        checkHeader(x, heapEnd);
        checkRanges();
    }

    private void checkVectors() {
        List<String> bad = new ArrayList<>();
        for (int v : BIOS_VECTORS) {
            int entry = m.readInt(4L * v);
            int segment = entry >>> 16;
            if (segment != BIOS_SEGMENT || (entry & 0xFFFF) == 0) {
                bad.add(String.format("int %02xh -> %04x:%04x", v, segment, entry & 0xFFFF));
            }
        }
        boolean idt = s.idt().base() == 0 && s.idt().limit() == 0x3FF;
        rule("ivt.bios", idt && bad.isEmpty(), "idtr base 0x%x limit 0x%x; %s", s.idt().base(), s.idt().limit(),
                bad.isEmpty() ? "int 10h, 13h, 15h, 16h, 1Ah -> F000 (the BIOS in the ROM)" : String.join(", ", bad));
    }

    private void checkE820() {
        long count = Integer.toUnsignedLong(m.readInt(E820_COUNT));
        List<String> bad = new ArrayList<>();
        long ramSeen = 0;
        if (count == 0 || count > 128) {
            bad.add(count + " entries");
        } else {
            for (int i = 0; i < count; i++) {
                long at = E820_TABLE + 20L * i;
                long start = m.readLong(at);
                long size = m.readLong(at + 8);
                int type = m.readInt(at + 16);
                if (type == 1) {
                    ramSeen += size;
                    if (!c.ram().isEmpty() && !inside(start, size, c.ram())) {
                        bad.add(String.format("RAM [0x%x, 0x%x) outside the machine's RAM", start, start + size));
                    }
                }
            }
        }
        rule("bios.e820", bad.isEmpty() && ramSeen > 0, "%s", bad.isEmpty()
                ? count + " entries at 0x500 for int 15h E820h, " + (ramSeen >> 20) + " MiB of RAM" : String.join("; ", bad));
    }

    private void checkHeader(long x, long heapEnd) {
        if (!m.contains(x, 0x10000)) {
            rule("setup.header", false, "setup code at 0x%x outside memory", x);
            return;
        }
        int bootFlag = m.readInt(x + 0x1FE) & 0xFFFF;
        int magic = m.readInt(x + 0x202);
        int loader = m.read(x + 0x210, 1)[0] & 0xFF;
        int loadflags = m.read(x + 0x211, 1)[0] & 0xFF;
        long code32 = Integer.toUnsignedLong(m.readInt(x + 0x214));
        long kern16 = ((m.read(x + 0x1F1, 1)[0] & 0xFF) == 0 ? 4 : (m.read(x + 0x1F1, 1)[0] & 0xFF)) * 512L + 512;
        long kernel = c.mapped().stream().filter(r -> r.name().startsWith("kernel")).mapToLong(NamedRange::start).findFirst().orElse(-1);
        boolean ok = bootFlag == 0xAA55 && magic == 0x53726448 && loader != 0 && loader != 0xFF && (loadflags & 0x81) == 0x81
                && heapEnd > kern16 && heapEnd <= 0x10000 && code32 == kernel;
        rule("setup.header", ok, "boot_flag 0x%x, header 0x%x, type_of_loader 0x%x, loadflags 0x%x (LOADED_HIGH|CAN_USE_HEAP), "
                + "heap end 0x%x above the setup code's 0x%x, code32_start 0x%x (kernel 0x%x)", bootFlag, magic, loader, loadflags,
                heapEnd, kern16, code32, kernel);
        long cmd = Integer.toUnsignedLong(m.readInt(x + 0x228));
        long cmdlineSize = Integer.toUnsignedLong(m.readInt(x + 0x238));
        long length = -1;
        if (cmd >= x + heapEnd && cmd < 0xA0000 && m.contains(cmd, 1)) {
            byte[] text = m.read(cmd, (int) Math.min(cmdlineSize + 1, 0xA0000 - cmd));
            for (int i = 0; i < text.length; i++) {
                if (text[i] == 0) {
                    length = i;
                    break;
                }
            }
        }
        rule("setup.cmdline", length >= 0, "cmd_line_ptr 0x%x %s", cmd, length >= 0
                ? String.format("between the heap end 0x%x and 0xA0000, %d bytes", x + heapEnd, length)
                : String.format("not NUL terminated between the heap end 0x%x and 0xA0000 within cmdline_size %d", x + heapEnd, cmdlineSize));
    }

    private void checkRanges() {
        List<String> bad = new ArrayList<>();
        for (NamedRange r : c.mapped()) {
            long limit = r.name().startsWith("setup") || r.name().startsWith("cmdline") ? 0x100000 : 1L << 32;
            if (r.start() + r.length() > limit) {
                bad.add(r.name() + " ends above " + (limit == 0x100000 ? "1 MiB" : "4 GiB"));
            }
        }
        rule("below-1m", bad.isEmpty(), "%s", bad.isEmpty() ? "setup code and command line below 1 MiB, the rest below 4 GiB"
                : String.join("; ", bad));
    }

    private static boolean inside(long start, long size, List<NamedRange> ram) {
        return ram.stream().anyMatch(r -> start >= r.start() && start + size <= r.start() + r.length());
    }

    private void rule(String name, boolean pass, String format, Object... args) {
        out.add(new RuleResult(name, pass, String.format(format, args)));
    }
}
