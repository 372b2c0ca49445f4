package dev.jkexec.core.contract;

import dev.jkexec.core.contract.HandoverContract.Boundary;
import dev.jkexec.core.contract.HandoverContract.NamedRange;
import dev.jkexec.core.handover.IdentityMap;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.BootGdt;
import dev.jkexec.platform.x86.Cr0;
import dev.jkexec.platform.x86.Cr4;
import dev.jkexec.platform.x86.Efer;
import dev.jkexec.platform.x86.GeneralRegisters;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Rflags;
import dev.jkexec.platform.x86.Segment;
import dev.jkexec.platform.x86.SegmentDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks a CPU state and the memory it sees against a {@link HandoverContract}: each rule named,
 * each PASS or FAIL with the values behind the verdict. Reads descriptors from the GDT in memory
 * (not only the CPU's caches) and walks the page tables in memory from CR3, so it proves what the
 * next instruction will see.
 *
 * <p>Rule names are stable (tests and users refer to them):
 * {@code entry.rip}, {@code mode.long}, {@code mode.protected32}, {@code cr0.flags}, {@code cr4.flags},
 * {@code cs.selector}, {@code cs.descriptor}, {@code data.selectors}, {@code data.descriptors},
 * {@code interrupts.off}, {@code rflags.df}, {@code registers.zero}, {@code idt.empty},
 * {@code stack.mapped}, {@code identity.ranges}, {@code below-4g}, {@code rsi.zero-page} /
 * {@code esi.zero-page}, {@code registers.boot}, {@code zero-page.header}, {@code zero-page.loader},
 * {@code zero-page.cmdline}, {@code zero-page.e820}; for the real-mode boundary the rules of
 * {@link RealModeRules}, for Multiboot those of {@link MultibootRules}.
 */
public final class ContractChecker {
    private final HandoverContract c;
    private final Registers s;
    private final PhysicalMemory m;
    private final List<RuleResult> out = new ArrayList<>();

    private ContractChecker(HandoverContract c, Registers s, PhysicalMemory m) {
        this.c = c;
        this.s = s;
        this.m = m;
    }

    /** Every rule of the contract's boundary, in a fixed order. */
    public static List<RuleResult> check(HandoverContract contract, Registers state, PhysicalMemory memory) {
        ContractChecker k = new ContractChecker(contract, state, memory);
        k.run();
        return List.copyOf(k.out);
    }

    private void run() {
        Boundary b = c.boundary();
        if (b == Boundary.LINUX_16) {
            new RealModeRules(c, s, m, out).check();
            return;
        }
        if (b == Boundary.MULTIBOOT) {
            new MultibootRules(c, s, m, out).check();
            return;
        }
        rule("entry.rip", s.rip() == c.entry(), "rip 0x%x, entry 0x%x", s.rip(), c.entry());
        if (b.longMode()) {
            boolean lm = (s.cr0() & Cr0.PE) != 0 && (s.cr0() & Cr0.PG) != 0 && (s.cr4() & Cr4.PAE) != 0
                    && (s.efer() & Efer.LME) != 0 && (s.efer() & Efer.LMA) != 0;
            rule("mode.long", lm, "cr0 0x%x cr4 0x%x efer 0x%x: PE, PG, PAE, LME, LMA all set", s.cr0(), s.cr4(), s.efer());
        } else {
            boolean pm = (s.cr0() & Cr0.PE) != 0 && (s.cr0() & Cr0.PG) == 0 && (s.efer() & (Efer.LME | Efer.LMA)) == 0;
            rule("mode.protected32", pm, "cr0 0x%x efer 0x%x: PE set, PG, LME, LMA clear", s.cr0(), s.efer());
        }
        long badCr0 = s.cr0() & (Cr0.CD | Cr0.NW | (b.linux() ? 0 : Cr0.WP | Cr0.AM | Cr0.TS | Cr0.EM));
        rule("cr0.flags", badCr0 == 0, "cr0 0x%x, forbidden bits set 0x%x", s.cr0(), badCr0);
        if (b == Boundary.IMAGE_ENTRY_32) {
            rule("cr4.flags", s.cr4() == 0, "cr4 0x%x (must be 0)", s.cr4());
        } else {
            rule("cr4.flags", (s.cr4() & Cr4.LA57) == 0, "cr4 0x%x (LA57 must be clear: 4-level paging)", s.cr4());
        }
        checkSegments();
        rule("interrupts.off", (s.rflags() & Rflags.IF) == 0, "rflags 0x%x", s.rflags());
        rule("rflags.df", (s.rflags() & Rflags.DF) == 0, "rflags 0x%x (direction flag must be clear)", s.rflags());
        if (b.linux()) {
            checkLinux();
        } else {
            checkImageEntry();
        }
        checkRanges();
    }

    private void checkImageEntry() {
        List<String> nonzero = new ArrayList<>();
        long[] values = s.gpr().values();
        for (int i = 0; i < values.length; i++) {
            String name = GeneralRegisters.NAMES.get(i);
            if (!name.equals("rsp") && values[i] != 0) {
                nonzero.add(name + "=0x" + Long.toHexString(values[i]));
            }
        }
        rule("registers.zero", nonzero.isEmpty(), "%s", nonzero.isEmpty() ? "all zero but rsp" : String.join(" ", nonzero));
        rule("idt.empty", s.idt().limit() == 0, "idtr base 0x%x limit 0x%x", s.idt().base(), s.idt().limit());
        long rsp = s.gpr().rsp();
        rule("stack.mapped", rsp >= 8 && reachable(rsp - 8, 8), "rsp 0x%x", rsp);
    }

    private void checkLinux() {
        boolean is64 = c.boundary() == Boundary.LINUX_64;
        long paramsReg = is64 ? s.gpr().rsi() : s.gpr().rsi() & 0xFFFF_FFFFL;
        rule(is64 ? "rsi.zero-page" : "esi.zero-page", paramsReg == c.zeroPage(),
                "%s 0x%x, zero page 0x%x", is64 ? "rsi" : "esi", paramsReg, c.zeroPage());
        GeneralRegisters g = s.gpr();
        long[] mustBeZero = is64 ? new long[] {g.rbx()} : new long[] {g.rbx(), g.rdi(), g.rbp()};
        String[] names = {"rbx", "rdi", "rbp"};
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < mustBeZero.length; i++) {
            long v = is64 ? mustBeZero[i] : mustBeZero[i] & 0xFFFF_FFFFL;
            if (v != 0) {
                bad.add(names[i] + "=0x" + Long.toHexString(v));
            }
        }
        rule("registers.boot", bad.isEmpty(), "%s", bad.isEmpty()
                ? (is64 ? "rbx 0 (boot CPU)" : "ebx, edi, ebp 0") : String.join(" ", bad));
        new ZeroPageRules(m, c, out).check();
    }

    private void checkSegments() {
        Segment cs = s.cs();
        boolean want64 = c.boundary().longMode();
        rule("cs.selector", cs.selector() == BootGdt.CODE, "cs 0x%x (boot protocol: 0x%x)", cs.selector(), BootGdt.CODE);
        SegmentDescriptor d = descriptor(cs.selector());
        boolean csOk = d != null && d.present() && d.code() && d.dpl() == 0
                && (want64 ? d.longMode() && !d.defaultBig() : !d.longMode() && d.defaultBig() && d.flat())
                && cs.longMode() == want64;
        rule("cs.descriptor", csOk, "gdt[0x%x] %s, cached flags 0x%x (want %s code, ring 0)",
                cs.selector(), d == null ? "unreadable" : String.format("0x%016x", d.encode()), cs.flags(),
                want64 ? "64-bit" : "flat 32-bit");
        List<String> bad = new ArrayList<>();
        List<String> badDesc = new ArrayList<>();
        String[] names = {"DS", "ES", "SS"};
        Segment[] data = {s.ds(), s.es(), s.ss()};
        for (int i = 0; i < data.length; i++) {
            String name = names[i];
            Segment seg = data[i];
            if (seg.selector() != BootGdt.DATA) {
                bad.add(name + "=0x" + Integer.toHexString(seg.selector()));
                continue;
            }
            SegmentDescriptor dd = descriptor(seg.selector());
            if (dd == null || !dd.present() || !dd.writableData() || !dd.flat() || seg.base() != 0) {
                badDesc.add(name);
            }
        }
        rule("data.selectors", bad.isEmpty(), "%s", bad.isEmpty() ? String.format("DS, ES, SS = 0x%x", BootGdt.DATA) : String.join(" ", bad));
        rule("data.descriptors", bad.isEmpty() && badDesc.isEmpty(), "%s",
                badDesc.isEmpty() && bad.isEmpty() ? "flat 4 GiB writable data, base 0" : "not flat data: " + String.join(" ", badDesc) + String.join(" ", bad));
    }

    private void checkRanges() {
        List<String> bad = new ArrayList<>();
        if (c.boundary().longMode()) {
            for (NamedRange r : c.mapped()) {
                long at = IdentityMap.firstUnmapped(m, s.cr3(), r.start(), r.length());
                if (at >= 0) {
                    bad.add(String.format("%s 0x%x not identity mapped", r.name(), at));
                }
            }
            rule("identity.ranges", bad.isEmpty(), "%s", bad.isEmpty() ? describe(c.mapped()) + " identity mapped" : String.join("; ", bad));
        } else {
            for (NamedRange r : c.mapped()) {
                if (r.start() + r.length() > PcPlatform.FOUR_GIB) {
                    bad.add(r.name() + " ends above 4 GiB");
                }
            }
            rule("below-4g", bad.isEmpty(), "%s", bad.isEmpty() ? describe(c.mapped()) + " below 4 GiB" : String.join("; ", bad));
        }
    }

    private static String describe(List<NamedRange> ranges) {
        List<String> names = new ArrayList<>();
        for (NamedRange r : ranges) {
            names.add(r.name());
        }
        return names.isEmpty() ? "no ranges" : String.join(", ", names);
    }

    /** The descriptor at {@code selector} in the GDT in memory, or null when unreadable. */
    static SegmentDescriptor descriptor(Registers s, PhysicalMemory m, int selector) {
        long offset = selector & ~7L;
        if ((selector & 4) != 0 || offset + 7 > s.gdt().limit()) {
            return null;
        }
        long linear = s.gdt().base() + offset;
        long physical = s.paging() ? IdentityMap.translate(m, s.cr3(), linear) : linear;
        if (physical < 0 || !m.contains(physical, 8)) {
            return null;
        }
        return SegmentDescriptor.decode(m.readLong(physical));
    }

    private SegmentDescriptor descriptor(int selector) {
        return descriptor(s, m, selector);
    }

    /** Whether {@code [address, address+length)} is usable memory from this CPU state. */
    private boolean reachable(long address, long length) {
        if (s.paging()) {
            return IdentityMap.firstUnmapped(m, s.cr3(), address, length) < 0 && m.contains(address, length);
        }
        return m.contains(address, length);
    }

    private void rule(String name, boolean pass, String format, Object... args) {
        out.add(new RuleResult(name, pass, String.format(format, args)));
    }
}
