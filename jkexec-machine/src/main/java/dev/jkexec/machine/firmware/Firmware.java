package dev.jkexec.machine.firmware;

import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;
import static dev.jkexec.machine.firmware.HandoverBlock.*;
import static dev.jkexec.platform.x86.Reg.*;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.x86.Assembler;
import dev.jkexec.platform.x86.BootGdt;
import dev.jkexec.platform.x86.Cond;
import dev.jkexec.platform.x86.Cr0;
import dev.jkexec.platform.x86.Cr4;
import dev.jkexec.platform.x86.Efer;
import dev.jkexec.platform.x86.Label;
import dev.jkexec.platform.x86.Mem;
import dev.jkexec.platform.x86.Paging;
import dev.jkexec.platform.x86.Reg;
import dev.jkexec.platform.x86.Rflags;
import dev.jkexec.platform.x86.SegmentDescriptor;
import dev.jkexec.platform.x86.Sreg;
import java.util.Set;

/**
 * jkexec's firmware: a 64 KiB ROM, generated for one machine layout, that QEMU runs from the
 * reset vector after every reset. It is jkexec's {@code kexec_reloc}.
 *
 * <p>What it does, in order (the code below follows it line by line):
 * <ol>
 *   <li><b>16-bit</b>, at 0xFFFFFFF0: jump to the start; {@code cli; cld}; load the ROM's GDT
 *       (32-bit base, hence {@code o32 lgdt}); clear CR0.CD/NW (QEMU resets with them set); set
 *       CR0.PE; far jump to 32-bit code.</li>
 *   <li><b>32-bit</b>: flat data segments, the stack in jkexec's hidden page, A20 on; count the run;
 *       if the handover block has no magic, record "no handover" and halt forever — a guest reboot
 *       or triple fault must not loop. Otherwise zero the magic (one shot), load CR3 from the
 *       block, enable PAE, EFER.LME and paging, far jump to 64-bit code.</li>
 *   <li><b>64-bit</b>: unless the block says not to, overwrite each run of the page list's
 *       destination pages by fw_cfg DMA (QEMU drops the runs' translated code at host speed; see
 *       {@link #emitDmaOverwrite}); walk the page list exactly as Xen's {@code kexec_reloc} (spec §4.6:
 *       DESTINATION, INDIRECTION, DONE, SOURCE, ZERO tested in that order, 4096-byte copies with
 *       {@code rep movsq}), so every destination byte is written by the CPU; then rewrite each
 *       refresh range quadword by quadword (crash images written in place from outside); then, if
 *       the block's gate is held, wait there until jkexec opens it (the image verified meanwhile)
 *       or refuses it (halt, the image never entered).</li>
 *   <li><b>EM_X86_64 entry</b>: load the 64-bit entry GDT from RAM, reload CS (0x10) by far
 *       return and DS/ES/SS/FS/GS (0x18), IDT limit 0, then enter.</li>
 *   <li><b>EM_386 entry</b>: load the 32-bit entry GDT, far jump to its 32-bit code (0x10) in
 *       compatibility mode, clear CR0.PG, EFER.LME, CR4 and CR3, load 0x18 data segments, IDT limit
 *       0; when the block asks for the BIOS ({@link HandoverBlock#FLAG_BIOS}), install it
 *       ({@link Bios}: vector table, BIOS data, PICs masked); then enter.</li>
 * </ol>
 * The ROM also holds the BIOS's real-mode handlers ({@link Bios}), reached at F000:xxxx through
 * the ROM's alias below 1 MiB, and their vector table.
 *
 * <p><b>State at the image entry</b> (the firmware's contract, independent of any purgatory):
 * interrupts off; RFLAGS = 0x2 exactly (IF=0, DF=0); every general register zero except RSP/ESP =
 * {@link MachineLayout#stackTop()} (a 4 KiB stack in jkexec's hidden page); CS = 0x10, DS = ES =
 * SS = FS = GS = 0x18 from the entry GDT in RAM; IDTR limit 0 (any exception resets the machine,
 * and the firmware then halts). 64-bit: CR0 = PE|PG|ET (CD, NW, WP, AM clear), CR4 = PAE, EFER =
 * LME|LMA, CR3 = identity tables covering all of the machine's RAM and the low 4 GiB.
 * 32-bit: CR0 = PE|ET, CR4 = 0, CR3 = 0, EFER.LME = 0.
 */
public final class Firmware {
    private static final long ROM_BASE = MachineLayout.ROM_BASE;
    // The ROM's GDT has the 64-bit entry GDT's layout: 32-bit code is the "other" code there.
    private static final int CODE32 = BootGdt.OTHER_CODE;
    private static final int CODE64 = BootGdt.CODE;
    private static final int DATA = BootGdt.DATA;
    /** Quadwords in a page: one {@code rep movsq} or {@code rep stosq} per page-list page. */
    private static final int PAGE_QUADWORDS = (int) (Paging.PAGE_SIZE / 8);
    /** fw_cfg's DMA address register on the PC (QEMU's docs/specs/fw_cfg.rst): high half, low half at +4. */
    static final int FW_CFG_DMA_PORT = 0x514;
    /** FWCfgDmaAccess control bits: select the item in bits 16-31, read. */
    static final int FW_CFG_DMA_CTL_SELECT = 0x08;
    static final int FW_CFG_DMA_CTL_READ = 0x02;
    /**
     * An item no QEMU has (keys at or above its entry count select nothing, so a read of it is all
     * zeros: QEMU's fw_cfg_dma_transfer zero-fills what no item backs).
     */
    static final int DMA_NO_ITEM = 0x3FFF;
    /** The zeroing request's control word: select {@link #DMA_NO_ITEM}, read. */
    static final int DMA_ZERO_CONTROL = DMA_NO_ITEM << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ;
    /** Bytes per request of no item: a FWCfgDmaAccess length is 32 bits. */
    static final int DMA_CHUNK = 1 << 30;
    /** fw_cfg's file directory item. */
    static final int FW_CFG_FILE_DIR = 0x19;
    /** Bytes of the directory read (one page: the count and the first 63 files). */
    static final int DIRECTORY_BYTES = (int) Paging.PAGE_SIZE;
    static final int DIRECTORY_ENTRY_BYTES = 64;
    static final int DIRECTORY_ENTRIES = (DIRECTORY_BYTES - 4) / DIRECTORY_ENTRY_BYTES;

    private Firmware() {
    }

    /** The ROM image for {@code layout} ({@link MachineLayout#ROM_SIZE} bytes). */
    public static byte[] build(MachineLayout layout) {
        return build(layout, Set.of());
    }

    /**
     * The ROM image for {@code layout}, deliberately breaking the entry contract as {@code faults}
     * say ({@link Fault#INTERRUPTS_ON}, {@link Fault#WRONG_SELECTOR}, {@link Fault#PAGING_ON_32};
     * {@link Fault#ZERO_PAGE_UNMAPPED} is the handover block's).
     */
    public static byte[] build(MachineLayout layout, Set<Fault> faults) {
        boolean wrongSelector = faults.contains(Fault.WRONG_SELECTOR);
        long rflags = faults.contains(Fault.INTERRUPTS_ON) ? Rflags.FIXED | Rflags.IF : Rflags.FIXED;
        long block = layout.handoverBlock();
        long stack = layout.stackTop();
        Assembler a = new Assembler(ROM_BASE);
        Label gdt = a.label("gdt");
        Label gdtr = a.label("gdtr");
        Label toCompat = a.label("to_compat");
        Label start16 = a.label("start16");
        Label start32 = a.label("start32");
        Label start64 = a.label("start64");
        Label compat32 = a.label("compat32");
        Label halt = a.label("halt");
        Label vectorTable = a.label("bios_vectors");

        // ---- data: the ROM's own GDT (accessed bits preset: the CPU cannot write ROM) ----
        a.bits(32);
        a.bind(gdt);
        for (long descriptor : BootGdt.entries(SegmentDescriptor.CODE64, SegmentDescriptor.CODE32)) {
            a.dq(descriptor);
        }
        a.bind(gdtr).dw(BootGdt.LIMIT).dd(gdt);
        a.align(8, 0);
        a.bind(toCompat).dd(compat32).dw(BootGdt.CODE); // m16:32: 32-bit code in the 32-bit entry GDT

        // ---- 16-bit: from reset into protected mode ----
        a.align(16, 0xF4);
        a.bits(16).bind(start16);
        a.cli().cld();
        a.lgdt(Mem.seg16(Sreg.CS, gdtr, ROM_BASE));
        a.movFromCr(EAX, 0);
        a.and(EAX, clear32(Cr0.CD | Cr0.NW)); // CD and NW come out of reset set
        a.or(EAX, Cr0.PE);
        a.movToCr(0, EAX);
        a.jmpFar(CODE32, start32);

        // ---- 32-bit: take the handover block, enter long mode ----
        a.bits(32).bind(start32);
        a.movImm(AX, DATA);
        for (Sreg s : new Sreg[] {Sreg.DS, Sreg.ES, Sreg.SS, Sreg.FS, Sreg.GS}) {
            a.movSreg(s, AX);
        }
        a.movImm(ESP, stack);
        a.inAl(0x92).or(AL, 2).and(AL, 0xFE).outAl(0x92); // fast A20 on; never the reset bit
        a.load(EAX, Mem.abs(block + RUNS_OFFSET)).inc(EAX).store(Mem.abs(block + RUNS_OFFSET), EAX);
        a.storeImm(Mem.abs(block + STATUS_OFFSET), Status.STARTED, 32);
        a.load(EAX, Mem.abs(block + MAGIC_OFFSET)).cmp(EAX, MAGIC & 0xFFFF_FFFFL).j(Cond.NE, halt);
        a.load(EAX, Mem.abs(block + MAGIC_OFFSET + 4)).cmp(EAX, MAGIC >>> 32).j(Cond.NE, halt);
        a.storeImm(Mem.abs(block + MAGIC_OFFSET), 0, 32);     // one shot: consumed before use
        a.storeImm(Mem.abs(block + MAGIC_OFFSET + 4), 0, 32);
        a.storeImm(Mem.abs(block + STATUS_OFFSET), Status.ACCEPTED, 32);
        a.load(EAX, Mem.abs(block + CR3_OFFSET)).movToCr(3, EAX);
        a.movFromCr(EAX, 4).or(EAX, Cr4.PAE).movToCr(4, EAX);
        a.movImm(ECX, Efer.MSR).rdmsr().or(EAX, Efer.LME).wrmsr();
        a.movFromCr(EAX, 0).or(EAX, Cr0.PG).movToCr(0, EAX); // paging on: long mode active
        a.jmpFar(CODE64, start64);

        a.bind(halt);
        a.storeImm(Mem.abs(block + STATUS_OFFSET), Status.NO_HANDOVER, 32);
        Label spin = a.label("spin");
        a.bind(spin).cli().hlt().jmp(spin);

        // ---- 64-bit: relocate, refresh, enter ----
        a.bits(64).bind(start64);
        a.movImm(RSP, stack);
        a.movImm(RAX, block);
        a.storeImm(Mem.at(RAX, STATUS_OFFSET), Status.LONG_MODE, 32);
        emitDmaOverwrite(a, block, layout.fwCfgDirectory());
        a.movImm(RAX, block);
        emitRelocationWalk(a);
        a.movImm(RAX, block);
        a.storeImm(Mem.at(RAX, STATUS_OFFSET), Status.RELOCATED, 32);
        emitRefresh(a);
        a.movImm(RAX, block);
        a.storeImm(Mem.at(RAX, STATUS_OFFSET), Status.REFRESHED, 32);
        emitGate(a);
        Label enter32 = a.label("enter32");
        a.load(RCX, Mem.at(RAX, FLAGS_OFFSET)).test(CL, (int) FLAG_ENTRY_32).j(Cond.NZ, enter32);

        // EM_X86_64: the tables the image is entered with (the same unless a test breaks them)
        a.load(RCX, Mem.at(RAX, ENTRY_CR3_OFFSET)).movToCr(3, RCX);
        a.lgdt(Mem.at(RAX, GDTR64_OFFSET)).lidt(Mem.at(RAX, IDTR_OFFSET));
        a.movImm(ECX, DATA);
        for (Sreg s : new Sreg[] {Sreg.DS, Sreg.ES, Sreg.SS, Sreg.FS, Sreg.GS}) {
            a.movSreg(s, CX);
        }
        Label reloaded = a.label("cs_reloaded");
        a.pushImm(CODE64).lea(RCX, Mem.rip(reloaded)).push(RCX).retFar(); // CS from the RAM GDT
        a.bind(reloaded);
        a.storeImm(Mem.at(RAX, STATUS_OFFSET), Status.ENTERING_64, 32);
        a.movImm(RSP, stack);
        if (wrongSelector) {
            a.pushImm(CODE32);             // broken on purpose: enter through 0x08, below the entry
        }
        a.pushMem(Mem.at(RAX, ENTRY_OFFSET));
        for (var r : GPR64) {
            if (r != RSP) {
                a.xor(r.as32(), r.as32()); // 32-bit xor zero-extends: clears the whole register
            }
        }
        a.pushImm(rflags).popf();          // RFLAGS = 0x2 exactly (Rflags.FIXED)
        if (wrongSelector) {
            a.retFar();
        } else {
            a.ret();                       // pops the entry; RSP = stack top at the image's first instruction
        }

        // EM_386: down to 32-bit protected mode without paging
        a.bind(enter32);
        a.lgdt(Mem.at(RAX, GDTR32_OFFSET)).lidt(Mem.at(RAX, IDTR_OFFSET));
        a.jmpFar(Mem.rip(toCompat));
        a.bits(32).bind(compat32);
        if (!faults.contains(Fault.PAGING_ON_32)) {
            a.movFromCr(EAX, 0).and(EAX, clear32(Cr0.PG)).movToCr(0, EAX); // paging off: leaves long mode
            a.movImm(ECX, Efer.MSR).rdmsr().and(EAX, clear32(Efer.LME)).wrmsr();
            a.xor(EAX, EAX).movToCr(4, EAX).movToCr(3, EAX);
        }
        a.movImm(AX, DATA);
        for (Sreg s : new Sreg[] {Sreg.DS, Sreg.ES, Sreg.SS, Sreg.FS, Sreg.GS}) {
            a.movSreg(s, AX);
        }
        Label noBios = a.label("no_bios");
        a.load(EAX, Mem.abs(block + FLAGS_OFFSET)).test(EAX, FLAG_BIOS).j(Cond.Z, noBios);
        Bios.emitInstall(a, vectorTable, block + BIOS_DATA_OFFSET);
        a.storeImm(Mem.abs(block + STATUS_OFFSET), Status.BIOS_READY, 32);
        a.bind(noBios);
        a.storeImm(Mem.abs(block + STATUS_OFFSET), Status.ENTERING_32, 32);
        a.movImm(ESP, stack);
        if (wrongSelector) {
            a.pushImm(CODE32);
        }
        a.pushMem(Mem.abs(block + ENTRY_OFFSET));
        for (Reg r : new Reg[] {EAX, EBX, ECX, EDX, ESI, EDI, EBP}) {
            a.xor(r, r);
        }
        a.pushImm(rflags).popf();
        if (wrongSelector) {
            a.retFar();
        } else {
            a.ret();
        }

        // ---- the BIOS: real-mode handlers and their vector table, reached through the alias at F000 ----
        Bios.Vectors vectors = Bios.emitHandlers(a);
        Bios.emitVectorTable(a, vectorTable, vectors, ROM_BASE);
        a.align(16, 0);
        for (byte b : AcpiTables.romRsdp(layout)) {
            a.db(b & 0xFF);                // found by the RSDP scan of 0xE0000-0xFFFFF
        }

        // ---- the reset vector ----
        a.bits(16);
        a.fillTo(PcPlatform.RESET_VECTOR, 0xF4);
        a.jmp(start16);
        a.fillTo(ROM_BASE + MachineLayout.ROM_SIZE, 0xF4);
        byte[] rom = a.assemble();
        if (rom.length != MachineLayout.ROM_SIZE) {
            throw new AssertionError("ROM is " + rom.length + " bytes");
        }
        return rom;
    }

    /**
     * One step of a page-list walk, binding {@code loop} at its top: reads the entry at RBX into RCX
     * and advances RBX; a destination entry sets the cursor RDI, an indirection entry moves RBX to
     * the next list page (both back to {@code loop}), and a done entry jumps to {@code done}. What
     * follows is the caller's: source and zero entries, each walk doing its own with them. The one
     * decoding of Xen's entry flags that every pass over the list (the DMA pass, the walk) shares.
     */
    private static void emitListStep(Assembler a, Label loop, Label done, String prefix) {
        Label notDest = a.label(prefix + "not_dest");
        Label notInd = a.label(prefix + "not_ind");
        a.bind(loop);
        a.load(RCX, Mem.at(RBX)).add(RBX, 8);
        a.test(CL, IND_DESTINATION).j(Cond.Z, notDest);
        a.mov(RDI, RCX).and(RDI, Paging.PAGE_MASK).jmp(loop);
        a.bind(notDest);
        a.test(CL, IND_INDIRECTION).j(Cond.Z, notInd);
        a.mov(RBX, RCX).and(RBX, Paging.PAGE_MASK).jmp(loop);
        a.bind(notInd);
        a.test(CL, IND_DONE).j(Cond.NZ, done);
    }

    /**
     * Xen's relocation walk (spec §4.6). RBX = list pointer, RDI = destination, RCX = entry.
     * Unknown entries (including 0) are skipped, as the assembly walker does. The flags are
     * {@link dev.jkexec.core.kexec.PageListEntry}'s, the encoding the core writes.
     */
    private static void emitRelocationWalk(Assembler a) {
        Label loop = a.label("walk");
        Label notSource = a.label("not_source");
        Label done = a.label("walk_done");
        a.load(RBX, Mem.at(RAX, HEAD_OFFSET));
        a.test(RBX, RBX).j(Cond.Z, done);
        a.xor(EDI, EDI);
        emitListStep(a, loop, done, "");
        a.test(CL, IND_SOURCE).j(Cond.Z, notSource);
        a.mov(RSI, RCX).and(RSI, Paging.PAGE_MASK).movImm(ECX, PAGE_QUADWORDS).repMovsq().jmp(loop);
        a.bind(notSource);
        a.test(CL, IND_ZERO).j(Cond.Z, loop);
        a.xor(EAX, EAX).movImm(ECX, PAGE_QUADWORDS).repStosq().jmp(loop);
        a.bind(done);
    }

    /**
     * The gate (RAX = block): with {@link HandoverBlock#GATE_OPEN} go on at once; otherwise report
     * {@link Status#AT_GATE} and poll the word (with {@code pause}) until jkexec writes OPEN, or
     * REFUSED: then report {@link Status#REFUSED} and halt forever. Anything else keeps waiting, so a
     * damaged gate word never lets the image in.
     */
    private static void emitGate(Assembler a) {
        Label poll = a.label("gate_poll");
        Label open = a.label("gate_open");
        Label refused = a.label("gate_refused");
        Label spin = a.label("gate_spin");
        a.load(RCX, Mem.at(RAX, GATE_OFFSET)).cmp(RCX, GATE_OPEN).j(Cond.E, open);
        a.storeImm(Mem.at(RAX, STATUS_OFFSET), Status.AT_GATE, 32);
        a.bind(poll);
        a.pause();
        a.load(RCX, Mem.at(RAX, GATE_OFFSET)).cmp(RCX, GATE_OPEN).j(Cond.E, open);
        a.cmp(RCX, GATE_REFUSED).j(Cond.NE, poll);
        a.bind(refused);
        a.storeImm(Mem.at(RAX, STATUS_OFFSET), Status.REFUSED, 32);
        a.bind(spin).cli().hlt().jmp(spin);
        a.bind(open);
    }

    /**
     * The page list's destinations overwritten through QEMU's fw_cfg DMA, before the walk (block
     * at {@code block}, fw_cfg's file directory read to {@code directory}; RAX, RBX, RCX, RDX, RSI,
     * RDI, R8-R15 clobbered).
     *
     * <p>Why: under TCG, a store into a page that holds translated code takes QEMU's
     * self-modifying-code slow path, page after page, until the page's last translation is gone; a
     * vmlinux loads exactly where the old kernel's text ran, so nearly every store of the walk did.
     * A fw_cfg DMA read makes QEMU write the item's bytes over the buffer through
     * {@code address_space_write}, which invalidates every translation in the written range at host
     * speed; the walk's stores then take the fast path. What is written does not matter (the walk
     * overwrites every byte), but how: past an item's end QEMU zero-fills in 512-byte writes (one
     * invalidation call each, ~1.5 ms per MiB measured), while an item's own bytes go in one write.
     * So the firmware reads fw_cfg's file directory and uses its largest item (at least a page;
     * QEMU's ACPI tables, 128 KiB, on {@code -M pc}), re-selected for each chunk so that every
     * request starts at the item's offset 0 and ends within it; without one, reads of no item
     * ({@link #DMA_NO_ITEM}, all zeros), {@link #DMA_CHUNK} bytes each.
     *
     * <p>A first pass walks the list the way the walk will (the same flag order, the same
     * destination cursor) without copying, gathering consecutive destination pages into runs. A
     * SOURCE page that is its own destination (Xen's invariant allows it: such a page is in no
     * other destination) is left out of every run, since overwriting it would destroy its data;
     * every other source page and every list page is inside no destination (the same invariant), so
     * the DMA changes nothing the walk reads. The walk then writes every destination byte, as before.
     *
     * <p>Each request's control word is checked after the {@code out} (QEMU runs the transfer
     * synchronously in the port write and clears the word on success): an error bit, or a word
     * left as written (no fw_cfg DMA answered), records the word at {@link HandoverBlock#DMA_ERROR_OFFSET},
     * stops the DMA and reports {@link Status#DMA_FAILED}; the walk is then correct but slow.
     * Under KVM the same requests run and are merely unnecessary.
     */
    private static void emitDmaOverwrite(Assembler a, long block, long directory) {
        Label skip = a.label("dma_skip");
        Label loop = a.label("dma_pass");
        Label notSource = a.label("dma_not_source");
        Label page = a.label("dma_page");
        Label extend = a.label("dma_extend");
        Label finish = a.label("dma_finish");
        Label flush = a.label("dma_flush");
        Label flushed = a.label("dma_flushed");
        Label chunk = a.label("dma_chunk");
        Label sized = a.label("dma_sized");
        Label failed = a.label("dma_failed");
        Label reported = a.label("dma_reported");
        Label fault = a.label("dma_fault");
        Label dirLoop = a.label("dma_dir_loop");
        Label dirNext = a.label("dma_dir_next");
        Label dirDone = a.label("dma_dir_done");
        Label dirCounted = a.label("dma_dir_counted");
        Label gathered = a.label("dma_item_chosen");
        a.movImm(R13, block);
        a.load(RCX, Mem.at(R13, FLAGS_OFFSET)).test(CL, (int) FLAG_NO_DMA_OVERWRITE).j(Cond.NZ, skip);
        a.load(RBX, Mem.at(R13, HEAD_OFFSET));
        a.test(RBX, RBX).j(Cond.Z, skip);
        a.xor(R11.as32(), R11.as32()).xor(R12.as32(), R12.as32());
        // R11 = bytes overwritten, R12 = 1 once a request failed (then none is made again)

        // The directory: be32 count, then {be32 size, be16 key, be16 reserved, char name[56]} per file.
        a.storeImm(Mem.at(R13, DMA_DESCRIPTOR_OFFSET), be32(FW_CFG_FILE_DIR << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ), 32);
        a.storeImm(Mem.at(R13, DMA_DESCRIPTOR_OFFSET + 4), be32(DIRECTORY_BYTES), 32);
        a.movImm(RDX, directory).bswap(RDX).store(Mem.at(R13, DMA_DESCRIPTOR_OFFSET + 8), RDX);
        emitDmaKick(a, block + DMA_DESCRIPTOR_OFFSET);
        a.load(EDX, Mem.at(R13, DMA_DESCRIPTOR_OFFSET)).test(EDX, EDX).j(Cond.NZ, fault);
        // R14 = bytes per request, R15d = its control word (big-endian): no item unless a large one is found
        a.movImm(R14.as32(), DMA_CHUNK).movImm(R15.as32(), be32(DMA_ZERO_CONTROL));
        a.movImm(RSI, directory).load(ECX, Mem.at(RSI)).bswap(ECX);
        a.cmp(ECX, DIRECTORY_ENTRIES).j(Cond.BE, dirCounted).movImm(ECX, DIRECTORY_ENTRIES);
        a.bind(dirCounted);
        a.add(RSI, 4).xor(R8.as32(), R8.as32()); // R8d = the largest size seen
        a.bind(dirLoop);
        a.test(ECX, ECX).j(Cond.Z, dirDone);
        a.load(EAX, Mem.at(RSI)).bswap(EAX).alu(Assembler.Alu.CMP, EAX, R8.as32()).j(Cond.BE, dirNext);
        a.mov(R8.as32(), EAX);
        // key and reserved, read as one be32: key << 16; the control word selects it and reads
        a.load(EDX, Mem.at(RSI, 4)).bswap(EDX).and(EDX, 0xFFFF_0000L).or(EDX, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ);
        a.bswap(EDX).mov(R9.as32(), EDX);
        a.bind(dirNext);
        a.add(RSI, DIRECTORY_ENTRY_BYTES).dec(ECX).jmp(dirLoop);
        a.bind(dirDone);
        a.cmp(R8.as32(), (int) Paging.PAGE_SIZE).j(Cond.B, gathered);
        a.cmp(R8.as32(), DMA_CHUNK).j(Cond.A, gathered);
        a.mov(R14.as32(), R8.as32()).mov(R15.as32(), R9.as32());
        a.bind(gathered);
        a.mov(EDX, R15.as32()).bswap(EDX).store(Mem.at(R13, DMA_CONTROL_OFFSET), EDX);

        a.xor(EDI, EDI).xor(R9.as32(), R9.as32()).xor(R10.as32(), R10.as32());
        // RBX = list pointer, RDI = destination cursor, [R9, R10) = the run being gathered
        emitListStep(a, loop, finish, "dma_");
        a.test(CL, IND_SOURCE).j(Cond.Z, notSource);
        a.mov(RSI, RCX).and(RSI, Paging.PAGE_MASK).alu(Assembler.Alu.CMP, RSI, RDI).j(Cond.NE, page);
        // a source that is its own destination: the run ends before it and starts after it
        a.call(flush);
        a.lea(R9, Mem.at(RDI, Paging.PAGE_SIZE)).mov(R10, R9).mov(RDI, R9).jmp(loop);
        a.bind(notSource);
        a.test(CL, IND_ZERO).j(Cond.Z, loop);
        a.bind(page);
        a.alu(Assembler.Alu.CMP, RDI, R10).j(Cond.E, extend);
        a.call(flush);
        a.mov(R9, RDI);
        a.bind(extend);
        a.lea(R10, Mem.at(RDI, Paging.PAGE_SIZE)).mov(RDI, R10).jmp(loop);
        a.bind(finish);
        a.call(flush);
        a.bind(reported);
        a.store(Mem.at(R13, DMA_BYTES_OFFSET), R11);
        a.test(R12, R12).j(Cond.NZ, failed);
        a.storeImm(Mem.at(R13, STATUS_OFFSET), Status.DMA_OVERWRITTEN, 32).jmp(skip);
        a.bind(failed);
        a.storeImm(Mem.at(R13, STATUS_OFFSET), Status.DMA_FAILED, 32).jmp(skip);

        // the directory's read failed: no request is made (R12 = 1), the walk runs without them
        a.bind(fault);
        a.bswap(EDX).store(Mem.at(R13, DMA_ERROR_OFFSET), EDX);
        a.movImm(R12.as32(), 1).jmp(reported);

        // flush: one request per chunk of the run [R9, R10), then R9 = R10; nothing after a failure
        Label flushFault = a.label("dma_flush_fault");
        a.bind(flush);
        a.alu(Assembler.Alu.CMP, R9, R10).j(Cond.E, flushed);
        a.test(R12, R12).j(Cond.NZ, flushed);
        a.bind(chunk);
        a.mov(R8, R10).alu(Assembler.Alu.SUB, R8, R9);
        a.alu(Assembler.Alu.CMP, R8, R14).j(Cond.BE, sized).mov(R8, R14);
        a.bind(sized);
        a.store(Mem.at(R13, DMA_DESCRIPTOR_OFFSET), R15.as32());
        a.mov(EDX, R8.as32()).bswap(EDX).store(Mem.at(R13, DMA_DESCRIPTOR_OFFSET + 4), EDX);
        a.mov(RDX, R9).bswap(RDX).store(Mem.at(R13, DMA_DESCRIPTOR_OFFSET + 8), RDX);
        emitDmaKick(a, block + DMA_DESCRIPTOR_OFFSET);
        a.load(EDX, Mem.at(R13, DMA_DESCRIPTOR_OFFSET)).test(EDX, EDX).j(Cond.NZ, flushFault);
        a.alu(Assembler.Alu.ADD, R11, R8).alu(Assembler.Alu.ADD, R9, R8);
        a.alu(Assembler.Alu.CMP, R9, R10).j(Cond.B, chunk);
        a.bind(flushed);
        a.mov(R9, R10);
        a.ret();
        a.bind(flushFault);
        a.bswap(EDX).store(Mem.at(R13, DMA_ERROR_OFFSET), EDX);
        a.movImm(R12.as32(), 1).jmp(flushed);

        a.bind(skip);
    }

    /**
     * Starts the DMA request whose descriptor is at {@code descriptor}: its address, in big-endian
     * halves, to fw_cfg's DMA address register; the write of the low half starts the transfer, which
     * QEMU completes before the {@code out} returns. EAX and EDX clobbered.
     */
    private static void emitDmaKick(Assembler a, long descriptor) {
        a.movImm(EAX, be32((int) (descriptor >>> 32)));
        a.movImm(EDX, FW_CFG_DMA_PORT).outDxEax();
        a.movImm(EAX, be32((int) descriptor));
        a.movImm(EDX, FW_CFG_DMA_PORT + 4).outDxEax();
    }

    /** {@code value} as the little-endian CPU must store it for a big-endian 32-bit field to read {@code value}. */
    static long be32(int value) {
        return Integer.reverseBytes(value) & 0xFFFF_FFFFL;
    }

    /** {@code value & ~bits} as an unsigned 32-bit immediate (the 32-bit code's AND masks). */
    private static long clear32(long bits) {
        return ~bits & 0xFFFF_FFFFL;
    }

    /** Reads and writes back every quadword of each refresh range ({@code rep movsq} onto itself). */
    private static void emitRefresh(Assembler a) {
        Label loop = a.label("refresh");
        Label done = a.label("refresh_done");
        a.load(RDX, Mem.at(RAX, REFRESH_COUNT_OFFSET));
        a.lea(R8, Mem.at(RAX, REFRESH_TABLE_OFFSET));
        a.bind(loop);
        a.test(RDX, RDX).j(Cond.Z, done);
        a.load(RSI, Mem.at(R8)).load(RCX, Mem.at(R8, 8)).shr(RCX, 3).mov(RDI, RSI).repMovsq();
        a.add(R8, 16).dec(RDX).jmp(loop);
        a.bind(done);
    }
}
