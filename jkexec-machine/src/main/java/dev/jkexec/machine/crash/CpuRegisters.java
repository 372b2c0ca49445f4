package dev.jkexec.machine.crash;

import dev.jkexec.core.contract.CpuSnapshot;
import dev.jkexec.core.contract.SegmentCache;
import dev.jkexec.qemu.cpu.CpuState;
import dev.jkexec.qemu.cpu.GeneralRegisters;
import dev.jkexec.qemu.cpu.Segment;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Translations of a captured {@link CpuState} into what the crash notes and the contract checker read. */
public final class CpuRegisters {
    private CpuRegisters() {
    }

    /** Registers by the names {@link dev.jkexec.core.crash.CrashNote} uses. */
    public static Map<String, Long> forNote(CpuState s) {
        Map<String, Long> r = gprs(s);
        r.put("rip", s.rip());
        r.put("eflags", s.rflags());
        r.put("cs", (long) s.cs().selector());
        r.put("ss", (long) s.ss().selector());
        r.put("ds", (long) s.ds().selector());
        r.put("es", (long) s.es().selector());
        r.put("fs", (long) s.fs().selector());
        r.put("gs", (long) s.gs().selector());
        r.put("fs_base", s.fs().base());
        r.put("gs_base", s.gs().base());
        return r;
    }

    /** The state as the contract checker sees it. */
    public static CpuSnapshot snapshot(CpuState s) {
        Map<String, SegmentCache> segs = new HashMap<>();
        segs.put("CS", cache(s.cs()));
        segs.put("DS", cache(s.ds()));
        segs.put("ES", cache(s.es()));
        segs.put("SS", cache(s.ss()));
        segs.put("FS", cache(s.fs()));
        segs.put("GS", cache(s.gs()));
        return new CpuSnapshot(s.rip(), s.rflags(), gprs(s), s.cr0(), s.cr2(), s.cr3(), s.cr4(), s.efer(), segs,
                s.gdt().base(), s.gdt().limit(), s.idt().base(), s.idt().limit());
    }

    private static SegmentCache cache(Segment g) {
        return new SegmentCache(g.selector(), g.base(), g.limit(), Integer.toUnsignedLong(g.flags()));
    }

    private static Map<String, Long> gprs(CpuState s) {
        GeneralRegisters g = s.gpr();
        Map<String, Long> r = new LinkedHashMap<>();
        r.put("rax", g.rax());
        r.put("rbx", g.rbx());
        r.put("rcx", g.rcx());
        r.put("rdx", g.rdx());
        r.put("rsi", g.rsi());
        r.put("rdi", g.rdi());
        r.put("rbp", g.rbp());
        r.put("rsp", g.rsp());
        r.put("r8", g.r8());
        r.put("r9", g.r9());
        r.put("r10", g.r10());
        r.put("r11", g.r11());
        r.put("r12", g.r12());
        r.put("r13", g.r13());
        r.put("r14", g.r14());
        r.put("r15", g.r15());
        return r;
    }
}
