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
 * memory the crash kernel will reuse) into the crash region; then enter the kernel with the boot
 * protocol's registers: RSI/ESI = zero page, every other general register 0 (RBX = 0 marks the
 * boot CPU), RSP/ESP = the top of its stack page, RFLAGS = 0x2 (x86-boot-and-kexec.md §3.2, §3.3).
 */
public final class Purgatory {
    /** Bytes the purgatory segment occupies (destination size): code page + stack page. */
    public static final long SIZE = 2 * Paging.PAGE_SIZE;
    private static final int CODE = BootGdt.CODE;
    private static final int DATA = BootGdt.DATA;

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
        a.pushMem(Mem.abs(l.kernelEntry));
        a.load(ESI, Mem.abs(l.zeroPage));
        for (Reg r : new Reg[] {EAX, EBX, ECX, EDX, EDI, EBP}) {
            a.xor(r, r);
        }
        a.pushImm(Rflags.FIXED).popf();
        a.ret();
        l.emit(p, SegmentDescriptor.CODE32);
        return a.assemble();
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

        Params(Assembler a) {
            this.a = a;
            gdt = a.label("gdt");
            gdtr = a.label("gdtr");
            kernelEntry = a.label("kernel_entry");
            zeroPage = a.label("zero_page");
            backupSource = a.label("backup_source");
            backupDestination = a.label("backup_destination");
            backupSize = a.label("backup_size");
        }

        void emit(PurgatoryParams p, SegmentDescriptor code) {
            a.align(16, 0xCC);
            a.bind(gdt);
            for (long descriptor : BootGdt.entries(code, SegmentDescriptor.CODE32)) {
                a.dq(descriptor);
            }
            a.align(8, 0);
            a.bind(gdtr).dw(BootGdt.LIMIT).dq(gdt);  // 10 bytes: 64-bit lgdt reads the whole base, 32-bit the low half
            a.align(8, 0);
            a.bind(kernelEntry).dq(p.kernelEntry());
            a.bind(zeroPage).dq(p.zeroPage());
            a.bind(backupSource).dq(p.backupSource());
            a.bind(backupDestination).dq(p.backupDestination());
            a.bind(backupSize).dq(p.backupSize());
        }
    }
}
