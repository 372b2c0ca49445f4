package dev.jkexec.core.contract;

import dev.jkexec.core.contract.HandoverContract.NamedRange;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.multiboot.MultibootInfo;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.Cr0;
import dev.jkexec.platform.x86.Efer;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Rflags;
import dev.jkexec.platform.x86.Segment;
import dev.jkexec.platform.x86.SegmentDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * The rules of the Multiboot boundary: the purgatory → a Multiboot v1 kernel, in the state the
 * Multiboot spec §3.2 ("Machine state") demands, with the information structure in place. The
 * spec fixes no selector values, only what the segments are. {@code zeroPage} of the contract is
 * the information structure.
 *
 * <p>Rules: {@code entry.rip}, {@code eax.magic} (EAX = 0x2BADB002), {@code ebx.info} (EBX = the
 * structure), {@code mode.protected32} (PE set; PG, LME, LMA clear), {@code cr0.flags} (CD, NW
 * clear), {@code cs.descriptor} (a flat 32-bit execute/read code segment, ring 0),
 * {@code data.descriptors} (DS, ES, FS, GS, SS flat 32-bit read/write data), {@code interrupts.off},
 * {@code rflags.vm} (EFLAGS.VM clear), {@code rflags.df}, {@code mbi.structure} (the structure reads
 * back with memory, command line, loader name, memory map and modules), {@code mbi.mmap} (its RAM
 * entries lie in the machine's RAM), {@code mbi.modules} (each module page aligned, inside RAM),
 * {@code below-4g}.
 */
final class MultibootRules {
    static final long MAGIC = 0x2BADB002L;
    static final int NEEDED = MultibootInfo.FLAG_MEMORY | MultibootInfo.FLAG_CMDLINE | MultibootInfo.FLAG_MMAP
            | MultibootInfo.FLAG_MODS;

    private final HandoverContract c;
    private final Registers s;
    private final PhysicalMemory m;
    private final List<RuleResult> out;

    MultibootRules(HandoverContract c, Registers s, PhysicalMemory m, List<RuleResult> out) {
        this.c = c;
        this.s = s;
        this.m = m;
        this.out = out;
    }

    void check() {
        rule("entry.rip", s.rip() == c.entry(), "eip 0x%x, entry 0x%x", s.rip(), c.entry());
        long eax = s.gpr().rax() & 0xFFFF_FFFFL;
        long ebx = s.gpr().rbx() & 0xFFFF_FFFFL;
        rule("eax.magic", eax == MAGIC, "eax 0x%x (Multiboot: 0x2badb002)", eax);
        rule("ebx.info", ebx == c.zeroPage(), "ebx 0x%x, information structure 0x%x", ebx, c.zeroPage());
        boolean pm = (s.cr0() & Cr0.PE) != 0 && (s.cr0() & Cr0.PG) == 0 && (s.efer() & (Efer.LME | Efer.LMA)) == 0;
        rule("mode.protected32", pm, "cr0 0x%x efer 0x%x: PE set, PG, LME, LMA clear", s.cr0(), s.efer());
        long badCr0 = s.cr0() & (Cr0.CD | Cr0.NW);
        rule("cr0.flags", badCr0 == 0, "cr0 0x%x, forbidden bits set 0x%x", s.cr0(), badCr0);
        Segment cs = s.cs();
        SegmentDescriptor d = ContractChecker.descriptor(s, m, cs.selector());
        boolean csOk = d != null && d.present() && d.code() && d.dpl() == 0 && !d.longMode() && d.defaultBig() && d.flat()
                && (d.access() & 0x02) != 0 && !cs.longMode();
        rule("cs.descriptor", csOk, "cs 0x%x: gdt %s (want flat 32-bit execute/read code, ring 0)", cs.selector(),
                d == null ? "unreadable" : String.format("0x%016x", d.encode()));
        List<String> bad = new ArrayList<>();
        String[] names = {"DS", "ES", "FS", "GS", "SS"};
        Segment[] segs = {s.ds(), s.es(), s.fs(), s.gs(), s.ss()};
        for (int i = 0; i < names.length; i++) {
            String name = names[i];
            Segment seg = segs[i];
            SegmentDescriptor dd = ContractChecker.descriptor(s, m, seg.selector());
            if (dd == null || !dd.present() || !dd.writableData() || !dd.flat() || !dd.defaultBig() || seg.base() != 0) {
                bad.add(String.format("%s=0x%x", name, seg.selector()));
            }
        }
        rule("data.descriptors", bad.isEmpty(), "%s", bad.isEmpty() ? "DS, ES, FS, GS, SS flat 32-bit read/write data"
                : "not flat data: " + String.join(" ", bad));
        rule("interrupts.off", (s.rflags() & Rflags.IF) == 0, "eflags 0x%x", s.rflags());
        rule("rflags.vm", (s.rflags() & Rflags.VM) == 0, "eflags 0x%x (virtual-8086 mode must be off)", s.rflags());
        rule("rflags.df", (s.rflags() & Rflags.DF) == 0, "eflags 0x%x (direction flag must be clear)", s.rflags());
        checkInfo(c.zeroPage()); // the structure the loader placed; ebx.info says whether EBX points at it
        List<String> high = new ArrayList<>();
        for (NamedRange r : c.mapped()) {
            if (r.start() + r.length() > 1L << 32) {
                high.add(r.name() + " ends above 4 GiB");
            }
        }
        rule("below-4g", high.isEmpty(), "%s", high.isEmpty() ? "kernel, modules, information structure below 4 GiB"
                : String.join("; ", high));
    }

    private void checkInfo(long at) {
        MultibootInfo info;
        long flags;
        try {
            flags = MultibootInfo.flags(m.segment(), at);
            info = MultibootInfo.decode(m.segment(), at);
        } catch (ImageFormatException e) {
            rule("mbi.structure", false, "%s", e.getMessage());
            return;
        }
        rule("mbi.structure", (flags & NEEDED) == NEEDED, "flags 0x%x (MEMORY, CMDLINE, MODS, MMAP), mem_lower %d KiB, mem_upper %d KiB, "
                + "cmdline '%s', loader '%s'", flags, info.memLower(), info.memUpper(), info.commandLine(), info.bootLoaderName());
        List<String> bad = new ArrayList<>();
        for (MemoryRange r : info.memoryMap()) {
            if (r.type() == E820Type.RAM && !c.ram().isEmpty() && !inside(r.start(), r.size())) {
                bad.add(String.format("RAM [0x%x, 0x%x) outside the machine's RAM", r.start(), r.end()));
            }
        }
        rule("mbi.mmap", bad.isEmpty() && !info.memoryMap().isEmpty(), "%s", bad.isEmpty()
                ? info.memoryMap().size() + " entries, RAM entries inside the machine's RAM" : String.join("; ", bad));
        List<String> mods = new ArrayList<>();
        for (MultibootInfo.Module mod : info.modules()) {
            if (mod.start() % 4096 != 0 || mod.end() < mod.start() || (!c.ram().isEmpty() && !inside(mod.start(), mod.end() - mod.start()))) {
                mods.add(String.format("[0x%x, 0x%x) %s", mod.start(), mod.end(), mod.string()));
            }
        }
        rule("mbi.modules", mods.isEmpty(), "%s", mods.isEmpty() ? info.modules().size() + " modules, page aligned, in RAM"
                : "bad: " + String.join(", ", mods));
    }

    private boolean inside(long start, long size) {
        return c.ram().stream().anyMatch(r -> start >= r.start() && start + size <= r.start() + r.length());
    }

    private void rule(String name, boolean pass, String format, Object... args) {
        out.add(new RuleResult(name, pass, String.format(format, args)));
    }
}
