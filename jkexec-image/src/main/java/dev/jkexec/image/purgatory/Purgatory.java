package dev.jkexec.image.purgatory;

import static dev.jkexec.platform.x86.Reg.*;

import dev.jkexec.image.Arch;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.x86.Assembler;
import dev.jkexec.platform.x86.BootGdt;
import dev.jkexec.platform.x86.Cond;
import dev.jkexec.platform.x86.Label;
import dev.jkexec.platform.x86.Mem;
import dev.jkexec.platform.x86.Paging;
import dev.jkexec.platform.x86.Reg;
import dev.jkexec.platform.x86.Rflags;
import dev.jkexec.platform.x86.SegmentDescriptor;
import dev.jkexec.platform.x86.Sreg;

/**
 * The purgatory: the small piece of code between jkexec's firmware and the kernel, generated in
 * Java. It is the entry of every toolstack-built image and owns the Linux boot protocol's side of
 * the handover, so the firmware's contract does not depend on Linux.
 *
 * <p>The purgatory segment is {@link #SIZE} bytes at {@code loadAddress}: the first page holds code,
 * its GDT and parameters, the second page its stack. Its entry point is {@code loadAddress}. It
 * relies only on what the firmware guarantees for its mode (64-bit: identity mapping of all RAM;
 * 32-bit: paging off) and touches only its own segment, the backup ranges and the kernel entry.
 *
 * <p>What it does: {@code cli; cld}; load its own {@link BootGdt} (0x10 code of its mode, 0x18 flat data) and
 * reload CS and every data segment; its own stack; for crash images copy the backup range (low
 * memory the crash kernel will reuse) into the crash region; then enter the kernel by its
 * handoff ({@link PurgatoryParams.Handoff}):
 * <ul>
 *   <li><b>Linux</b>: RSI/ESI = zero page, every other general register 0 (RBX = 0 marks the
 *       boot CPU), RSP/ESP = the top of its stack page, RFLAGS = 0x2 (x86-boot-and-kexec.md
 *       §3.2, §3.3).</li>
 *   <li><b>Multiboot</b> (32-bit): EAX = 0x2BADB002, EBX = the information structure, every other
 *       register 0, the same flat segments, paging off (Multiboot spec §3.2).</li>
 *   <li><b>Linux real mode</b> (32-bit purgatory below 640 KiB): load 16-bit segments (0x08 code
 *       based at the purgatory, 0x20 data limited to 64 KiB, so the cached limits suit real mode),
 *       the real-mode IDT (the BIOS interrupt vectors at 0, limit 0x3FF), jump into 16-bit code,
 *       clear CR0.PE, far jump to reload CS as a real-mode segment, then DS = ES = FS = GS = SS =
 *       X >> 4, SP = the setup code's heap end, every general register 0, and far jump to
 *       {@code (X >> 4) + 0x20 : 0} — what kexec-tools' {@code entry16} does (spec §3.1).</li>
 * </ul>
 */
public final class Purgatory {
    /** Bytes the purgatory segment occupies (destination size): code page + stack page. */
    public static final long SIZE = 2 * Paging.PAGE_SIZE;
    private static final int CODE = BootGdt.CODE;
    private static final int DATA = BootGdt.DATA;
    /** The real-mode handoff's 16-bit code segment (base = the purgatory) and 64 KiB data segment (base 0). */
    private static final int CODE16 = 0x08;
    private static final int DATA16 = 0x20;
    /** The Multiboot v1 boot loader magic, for EAX. */
    public static final long MULTIBOOT_BOOTLOADER_MAGIC = 0x2BADB002L;
    /** Highest end of a purgatory that enters real mode: it runs from a real-mode segment. */
    public static final long REAL_MODE_LIMIT = 0xA0000;

    private Purgatory() {
    }

    /** The purgatory's bytes for these parameters (at most {@link #SIZE}). */
    public static byte[] build(PurgatoryParams p) {
        if (p.loadAddress() % Paging.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("purgatory load address 0x" + Long.toHexString(p.loadAddress()) + " not page aligned");
        }
        if (p.backupSize() % 8 != 0) {
            throw new IllegalArgumentException("backup size 0x" + Long.toHexString(p.backupSize()) + " not a multiple of 8");
        }
        if (p.handoff() == PurgatoryParams.Handoff.LINUX_REAL_MODE
                && (p.loadAddress() + SIZE > REAL_MODE_LIMIT || p.zeroPage() % 16 != 0 || p.zeroPage() >= REAL_MODE_LIMIT)) {
            throw new IllegalArgumentException("the real-mode handoff needs the purgatory and the setup code below 640 KiB, "
                    + "the setup code 16-byte aligned");
        }
        byte[] code = p.arch() == Arch.X86_64 ? build64(p) : build32(p);
        if (code.length > Paging.PAGE_SIZE) {
            throw new AssertionError("purgatory code is " + code.length + " bytes");
        }
        return code;
    }

    private static byte[] build64(PurgatoryParams p) {
        Assembler a = new Assembler(p.loadAddress()).bits(64);
        Params l = new Params(a);
        Label reloaded = a.label("reloaded");
        Label noBackup = a.label("no_backup");
        a.cli().cld();
        a.lgdt(Mem.rip(l.gdtr));
        a.movImm(EAX, DATA);
        for (Sreg s : new Sreg[] {Sreg.DS, Sreg.ES, Sreg.SS, Sreg.FS, Sreg.GS}) {
            a.movSreg(s, AX);
        }
        a.movImm(RSP, p.loadAddress() + SIZE);
        a.pushImm(CODE).lea(RAX, Mem.rip(reloaded)).push(RAX).retFar();
        a.bind(reloaded);
        a.load(RCX, Mem.rip(l.backupSize)).test(RCX, RCX).j(Cond.Z, noBackup);
        a.load(RSI, Mem.rip(l.backupSource)).load(RDI, Mem.rip(l.backupDestination)).shr(RCX, 3).repMovsq();
        a.bind(noBackup);
        a.pushMem(Mem.rip(l.kernelEntry));
        a.load(RSI, Mem.rip(l.zeroPage));
        for (Reg r : Reg.GPR64) {
            if (r != RSP && r != RSI) {
                a.xor(r.as32(), r.as32());
            }
        }
        a.pushImm(Rflags.FIXED).popf();
        a.ret();
        l.emit(p, SegmentDescriptor.CODE64);
        return a.assemble();
    }

    private static byte[] build32(PurgatoryParams p) {
        if (p.loadAddress() + SIZE > PcPlatform.FOUR_GIB || p.kernelEntry() >= PcPlatform.FOUR_GIB
                || p.zeroPage() >= PcPlatform.FOUR_GIB || p.backupDestination() + p.backupSize() > PcPlatform.FOUR_GIB) {
            throw new IllegalArgumentException("EM_386 purgatory needs everything below 4 GiB");
        }
        Assembler a = new Assembler(p.loadAddress()).bits(32);
        Params l = new Params(a);
        Label reloaded = a.label("reloaded");
        Label noBackup = a.label("no_backup");
        a.cli().cld();
        a.lgdt(Mem.abs(l.gdtr));
        a.movImm(EAX, DATA);
        for (Sreg s : new Sreg[] {Sreg.DS, Sreg.ES, Sreg.SS, Sreg.FS, Sreg.GS}) {
            a.movSreg(s, AX);
        }
        a.movImm(ESP, p.loadAddress() + SIZE);
        a.jmpFar(CODE, reloaded);
        a.bind(reloaded);
        a.load(ECX, Mem.abs(l.backupSize)).test(ECX, ECX).j(Cond.Z, noBackup);
        a.load(ESI, Mem.abs(l.backupSource)).load(EDI, Mem.abs(l.backupDestination)).shr(ECX, 2).repMovsd();
        a.bind(noBackup);
        switch (p.handoff()) {
            case LINUX -> {
                a.pushMem(Mem.abs(l.kernelEntry));
                a.load(ESI, Mem.abs(l.zeroPage));
                for (Reg r : new Reg[] {EAX, EBX, ECX, EDX, EDI, EBP}) {
                    a.xor(r, r);
                }
                a.pushImm(Rflags.FIXED).popf();
                a.ret();
            }
            case MULTIBOOT -> {
                a.pushMem(Mem.abs(l.kernelEntry));
                a.load(EBX, Mem.abs(l.zeroPage));
                a.movImm(EAX, MULTIBOOT_BOOTLOADER_MAGIC);
                for (Reg r : new Reg[] {ECX, EDX, ESI, EDI, EBP}) {
                    a.xor(r, r);
                }
                a.pushImm(Rflags.FIXED).popf();
                a.ret();
            }
            case LINUX_REAL_MODE -> emitRealModeEntry(a, l, p);
        }
        l.emit(p, SegmentDescriptor.CODE32);
        return a.assemble();
    }

    /**
     * From 32-bit protected mode (paging off) to the real-mode setup code at X: 16-bit segments,
     * the BIOS's interrupt vectors, PE off, then the boot protocol's real-mode registers.
     */
    private static void emitRealModeEntry(Assembler a, Params l, PurgatoryParams p) {
        long base = p.loadAddress();
        int setupSegment = (int) (p.zeroPage() >>> 4);
        Label to16 = a.label("to16");
        Label real = a.label("real");
        a.lidt(Mem.abs(l.ivt));
        a.movImm(EAX, DATA16);
        for (Sreg s : new Sreg[] {Sreg.DS, Sreg.ES, Sreg.SS, Sreg.FS, Sreg.GS}) {
            a.movSreg(s, AX);
        }
        a.jmpFar(CODE16, to16, base);
        a.bits(16).bind(to16);
        a.movFromCr(EAX, 0).and(EAX, 0xFFFF_FFFEL).movToCr(0, EAX); // PE off (PG is off already)
        a.jmpFar16((int) (base >>> 4), real);                      // CS becomes a real-mode segment
        a.bind(real);
        a.movImm(AX, setupSegment);
        for (Sreg s : new Sreg[] {Sreg.DS, Sreg.ES, Sreg.FS, Sreg.GS, Sreg.SS}) {
            a.movSreg(s, AX);
        }
        a.movImm(ESP, p.realModeStack());
        for (Reg r : new Reg[] {EAX, EBX, ECX, EDX, ESI, EDI, EBP}) {
            a.xor(r, r);
        }
        a.pushImm(Rflags.FIXED).popf();                               // push imm16; popf: FLAGS = 2
        a.jmpFar16(setupSegment + 0x20, 0);
        a.bits(32);
    }

    /** The purgatory's data: its GDT, GDTR and the patched-in parameters, after the code. */
    private static final class Params {
        final Assembler a;
        final Label gdt;
        final Label gdtr;
        final Label kernelEntry;
        final Label zeroPage;
        final Label backupSource;
        final Label backupDestination;
        final Label backupSize;
        final Label ivt;

        Params(Assembler a) {
            this.a = a;
            gdt = a.label("gdt");
            gdtr = a.label("gdtr");
            kernelEntry = a.label("kernel_entry");
            zeroPage = a.label("zero_page");
            backupSource = a.label("backup_source");
            backupDestination = a.label("backup_destination");
            backupSize = a.label("backup_size");
            ivt = a.label("ivt");
        }

        void emit(PurgatoryParams p, SegmentDescriptor code) {
            a.align(16, 0xCC);
            // 0x08: 32-bit code, or (real-mode handoff) 16-bit code based at the purgatory; 0x10 code of
            // the mode; 0x18 flat data (BootGdt's layout); then 0x20, 16-bit data with a 64 KiB limit,
            // base 0, for the real-mode handoff's segment caches
            SegmentDescriptor low = p.handoff() == PurgatoryParams.Handoff.LINUX_REAL_MODE
                    ? new SegmentDescriptor(p.loadAddress(), 0xFFFF, 0x9B, 0) : SegmentDescriptor.CODE32;
            a.bind(gdt);
            for (long descriptor : BootGdt.entries(code, low)) {
                a.dq(descriptor);
            }
            a.dq(new SegmentDescriptor(0, 0xFFFF, 0x93, 0).encode());
            a.align(8, 0);
            a.bind(gdtr).dw(BootGdt.LIMIT + 8).dq(gdt);  // 10 bytes: 64-bit lgdt reads the whole base, 32-bit the low half
            a.align(8, 0);
            a.bind(ivt).dw(0x3FF).dd(0);                  // the real-mode IDT: the BIOS interrupt vectors at 0
            a.align(8, 0);
            a.bind(kernelEntry).dq(p.kernelEntry());
            a.bind(zeroPage).dq(p.zeroPage());
            a.bind(backupSource).dq(p.backupSource());
            a.bind(backupDestination).dq(p.backupDestination());
            a.bind(backupSize).dq(p.backupSize());
        }
    }
}
