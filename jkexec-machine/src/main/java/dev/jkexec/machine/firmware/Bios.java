package dev.jkexec.machine.firmware;

import static dev.jkexec.platform.x86.Reg.*;

import dev.jkexec.platform.x86.Assembler.Alu;
import dev.jkexec.platform.x86.Assembler;
import dev.jkexec.platform.x86.Cond;
import dev.jkexec.platform.x86.Label;
import dev.jkexec.platform.x86.Mem;
import dev.jkexec.platform.x86.Sreg;

/**
 * The BIOS services of jkexec's firmware: the few real-mode interrupt handlers that Linux's
 * real-mode setup code and kexec-tools' {@code --real-mode} path call, in the ROM (aliased at
 * F000:0000), and the interrupt vector table that points at them. Every other vector returns at
 * once. The firmware copies the table to 0:0 and {@link BiosData} to 0x400 before a handover that
 * asks for the BIOS ({@link HandoverBlock#FLAG_BIOS}).
 *
 * <p>Each service, and why it is there (Linux's {@code arch/x86/boot/}):
 * <ul>
 *   <li><b>int 10h</b> video: AH=0Eh teletype writes AL to COM1 (the setup code's messages reach
 *       the serial console); AH=0Fh mode query answers mode 3, 80 columns, page 0; AH=03h cursor
 *       query answers row 0, column 0, shape 0607h. Everything else (mode set, the EGA/VGA and VESA
 *       probes) returns with AX and BX untouched, which the setup code reads as "a CGA, no VESA" —
 *       the machine has no display.</li>
 *   <li><b>int 13h</b> disks: none; CF set, AH = 01h (the EDD probe stops there).</li>
 *   <li><b>int 15h</b> system: AX=E820h returns the machine's memory map one entry per call
 *       ({@code 'SMAP'} protocol: EBX continuation, 20-byte entries to ES:DI); AX=E801h the KiB from
 *       1 to 16 MiB (AX, CX) and the 64 KiB blocks above (BX, DX); AH=88h the KiB above 1 MiB (at
 *       most FC00h); AX=EC00h (long-mode hint) and AX=2401h/2402h (A20: on) succeed; anything else
 *       (APM, IST, system configuration) fails with CF set and AH = 86h.</li>
 *   <li><b>int 16h</b> keyboard: none; AH=01h/11h say "no key" (ZF set), AH=02h/12h shift flags 0,
 *       the rest return at once (the setup code only reads the shift state and sets the repeat
 *       rate).</li>
 *   <li><b>int 1Ah</b> time: AH=00h the BDA tick count, AH=02h the RTC's time (CMOS registers 0, 2,
 *       4, read live so the mode menu's timeout would advance), AH=04h a fixed date; else CF set.</li>
 *   <li><b>int 11h / 12h</b>: the BDA's equipment word and base memory size.</li>
 *   <li><b>IRQ 0-15</b> (vectors 08h-0Fh, 70h-77h): end of interrupt, return. The firmware masks
 *       every line in both PICs, programmed as a BIOS does (bases 08h and 70h).</li>
 * </ul>
 * Handlers return their carry flag by {@code retf 2} (the caller's saved FLAGS are dropped),
 * which is how Linux's {@code intcall} reads results.
 */
final class Bios {
    /** The ROM's real-mode segment: the ROM is aliased at 0xF0000. */
    static final int SEGMENT = 0xF000;
    static final long SMAP = 0x534D4150L;

    private Bios() {
    }

    /** The handlers' labels, for the vector table. */
    record Vectors(Label int10, Label int11, Label int12, Label int13, Label int15, Label int16, Label int1a,
                   Label iret, Label irqMaster, Label irqSlave) {
    }

    /** Emits the real-mode handlers at the current position (16-bit code in the ROM). */
    static Vectors emitHandlers(Assembler a) {
        Vectors v = new Vectors(a.label("int10"), a.label("int11"), a.label("int12"), a.label("int13"), a.label("int15"),
                a.label("int16"), a.label("int1a"), a.label("bios_iret"), a.label("irq_master"), a.label("irq_slave"));
        a.bits(16);
        a.align(16, 0xF4);
        a.bind(v.iret()).iret();

        a.bind(v.irqMaster()).push(AX).movImm(AL, 0x20).outAl(0x20).pop(AX).iret();
        a.bind(v.irqSlave()).push(AX).movImm(AL, 0x20).outAl(0xA0).outAl(0x20).pop(AX).iret();

        a.bind(v.int11());
        lowWord(a, AX, BiosData.EQUIPMENT);
        a.iret();
        a.bind(v.int12());
        lowWord(a, AX, BiosData.BASE_MEMORY_KIB);
        a.iret();

        emitInt10(a, v.int10());

        a.bind(v.int13()).movImm(AH, 0x01).stc().retFar(2);

        emitInt15(a, v.int15());
        emitInt16(a, v.int16());
        emitInt1a(a, v.int1a());
        return v;
    }

    /**
     * The 256-entry vector table (offset, segment F000), as data in the ROM. {@code romBase} is
     * where the assembler's labels put the ROM (F000:x is ROM offset x).
     */
    static void emitVectorTable(Assembler a, Label table, Vectors v, long romBase) {
        a.align(16, 0);
        a.bind(table);
        for (int vector = 0; vector < 256; vector++) {
            Label target = switch (vector) {
                case 0x10 -> v.int10();
                case 0x11 -> v.int11();
                case 0x12 -> v.int12();
                case 0x13 -> v.int13();
                case 0x15 -> v.int15();
                case 0x16 -> v.int16();
                case 0x1A -> v.int1a();
                default -> vector >= 0x08 && vector <= 0x0F ? v.irqMaster()
                        : vector >= 0x70 && vector <= 0x77 ? v.irqSlave() : v.iret();
            };
            a.dwSegmentOffset(target, romBase);
            a.dw(SEGMENT);
        }
    }

    /**
     * 32-bit code run by the firmware before entering an image that wants the BIOS: the vector
     * table to 0:0, {@link BiosData} from the handover block to 0x400, both PICs programmed and
     * masked. Clobbers EAX, ECX, ESI, EDI.
     */
    static void emitInstall(Assembler a, Label table, long dataSource) {
        a.movImm(ESI, table).movImm(EDI, 0).movImm(ECX, 1024 / 4).repMovsd();
        a.movImm(ESI, dataSource).movImm(EDI, BiosData.BASE).movImm(ECX, BiosData.SIZE / 4).repMovsd();
        // ICW1-4: edge triggered, cascade, bases 08h/70h, slave on IRQ2, 8086 mode; then mask everything
        a.movImm(AL, 0x11).outAl(0x20).outAl(0xA0);
        a.movImm(AL, 0x08).outAl(0x21).movImm(AL, 0x70).outAl(0xA1);
        a.movImm(AL, 0x04).outAl(0x21).movImm(AL, 0x02).outAl(0xA1);
        a.movImm(AL, 0x01).outAl(0x21).outAl(0xA1);
        a.movImm(AL, 0xFF).outAl(0x21).outAl(0xA1);
    }

    private static void emitInt10(Assembler a, Label entry) {
        Label teletype = a.label("int10_teletype");
        Label mode = a.label("int10_mode");
        Label cursor = a.label("int10_cursor");
        a.bind(entry);
        a.alu(Alu.CMP, AH, 0x0E).j(Cond.E, teletype);
        a.alu(Alu.CMP, AH, 0x0F).j(Cond.E, mode);
        a.alu(Alu.CMP, AH, 0x03).j(Cond.E, cursor);
        a.iret();
        a.bind(teletype).push(DX).movImm(DX, 0x3F8).outDxAl().pop(DX).iret();
        a.bind(mode).movImm(AX, 0x5003).movImm(BH, 0).iret();           // AH = 80 columns, AL = mode 3
        a.bind(cursor).movImm(CX, 0x0607).xor(DX, DX).iret();
    }

    private static void emitInt15(Assembler a, Label entry) {
        Label e820 = a.label("int15_e820");
        Label e801 = a.label("int15_e801");
        Label ext88 = a.label("int15_88");
        Label ok = a.label("int15_ok");
        Label a20query = a.label("int15_a20");
        Label fail = a.label("int15_fail");
        a.bind(entry);
        a.alu(Alu.CMP, EAX, 0xE820).j(Cond.E, e820);
        a.alu(Alu.CMP, AX, 0xE801).j(Cond.E, e801);
        a.alu(Alu.CMP, AH, 0x88).j(Cond.E, ext88);
        a.alu(Alu.CMP, AX, 0xEC00).j(Cond.E, ok);
        a.alu(Alu.CMP, AX, 0x2401).j(Cond.E, ok);
        a.alu(Alu.CMP, AX, 0x2402).j(Cond.E, a20query);
        a.bind(fail).movImm(AH, 0x86).stc().retFar(2);
        a.bind(ok).movImm(AH, 0).clc().retFar(2);
        a.bind(a20query).movImm(AX, 0x0001).clc().retFar(2);             // AH = 0, AL = 1: A20 on

        a.bind(e801);
        a.push(Sreg.DS).push(SI).xor(SI, SI).movSreg(Sreg.DS, SI);
        a.load(AX, Mem.abs(BiosData.E801_LOW_KIB)).load(BX, Mem.abs(BiosData.E801_HIGH_BLOCKS));
        a.mov(CX, AX).mov(DX, BX);
        a.pop(SI).pop(Sreg.DS).clc().retFar(2);

        a.bind(ext88);
        a.push(Sreg.DS).push(SI).xor(SI, SI).movSreg(Sreg.DS, SI);
        a.load(AX, Mem.abs(BiosData.EXTENDED_KIB));
        a.pop(SI).pop(Sreg.DS).clc().retFar(2);

        // E820: EBX is the index of the entry to return; entries are 20 bytes at E820_TABLE
        Label e820fail = a.label("int15_e820_fail");
        Label more = a.label("int15_e820_more");
        a.bind(e820);
        a.alu(Alu.CMP, EDX, SMAP).j(Cond.NE, fail);
        a.push(Sreg.DS).push(ESI).push(DI).xor(SI, SI).movSreg(Sreg.DS, SI);
        a.load(ESI, Mem.abs(BiosData.E820_COUNT)).alu(Alu.CMP, EBX, ESI).j(Cond.AE, e820fail);
        a.mov(SI, BX).shl(SI, 2).mov(CX, SI).shl(SI, 2).alu(Alu.ADD, SI, CX).add(SI, BiosData.E820_TABLE); // 20 * bx
        a.movImm(CX, BiosData.E820_ENTRY).cld().repMovsb();            // DS:SI -> ES:DI
        a.inc(EBX);
        a.load(ESI, Mem.abs(BiosData.E820_COUNT)).alu(Alu.CMP, EBX, ESI).j(Cond.B, more);
        a.xor(EBX, EBX);                                                // the last entry: no continuation
        a.bind(more);
        a.pop(DI).pop(ESI).pop(Sreg.DS);
        a.movImm(EAX, SMAP).movImm(ECX, BiosData.E820_ENTRY).clc().retFar(2);
        a.bind(e820fail);
        a.pop(DI).pop(ESI).pop(Sreg.DS);
        a.movImm(AH, 0x86).stc().retFar(2);
    }

    private static void emitInt16(Assembler a, Label entry) {
        Label check = a.label("int16_check");
        Label shift = a.label("int16_shift");
        a.bind(entry);
        a.alu(Alu.CMP, AH, 0x01).j(Cond.E, check);
        a.alu(Alu.CMP, AH, 0x11).j(Cond.E, check);
        a.alu(Alu.CMP, AH, 0x02).j(Cond.E, shift);
        a.alu(Alu.CMP, AH, 0x12).j(Cond.E, shift);
        a.alu(Alu.CMP, AH, 0x00).j(Cond.E, shift);                     // read key: none will come, AX = 0
        a.alu(Alu.CMP, AH, 0x10).j(Cond.E, shift);
        a.iret();
        a.bind(check).push(AX).xor(AX, AX).pop(AX).retFar(2);          // ZF = 1: no key waiting
        a.bind(shift).xor(AX, AX).iret();
    }

    private static void emitInt1a(Assembler a, Label entry) {
        Label ticks = a.label("int1a_ticks");
        Label time = a.label("int1a_time");
        Label date = a.label("int1a_date");
        a.bind(entry);
        a.alu(Alu.CMP, AH, 0x00).j(Cond.E, ticks);
        a.alu(Alu.CMP, AH, 0x02).j(Cond.E, time);
        a.alu(Alu.CMP, AH, 0x04).j(Cond.E, date);
        a.stc().retFar(2);
        a.bind(ticks);
        a.push(Sreg.DS).push(SI).xor(SI, SI).movSreg(Sreg.DS, SI);
        a.load(DX, Mem.abs(BiosData.TICKS)).load(CX, Mem.abs(BiosData.TICKS + 2)).movImm(AL, 0);
        a.pop(SI).pop(Sreg.DS).clc().retFar(2);
        a.bind(time);                                                   // CMOS: seconds 0, minutes 2, hours 4 (BCD)
        a.push(AX);
        a.movImm(AL, 0x00).outAl(0x70).inAl(0x71).mov(DH, AL);
        a.movImm(AL, 0x02).outAl(0x70).inAl(0x71).mov(CL, AL);
        a.movImm(AL, 0x04).outAl(0x70).inAl(0x71).mov(CH, AL);
        a.movImm(DL, 0).pop(AX).clc().retFar(2);
        a.bind(date).movImm(CX, 0x2026).movImm(DX, 0x0101).clc().retFar(2);
    }

    /** {@code reg = word at 0:address}, DS preserved. */
    private static void lowWord(Assembler a, dev.jkexec.platform.x86.Reg reg, int address) {
        a.push(Sreg.DS).push(SI).xor(SI, SI).movSreg(Sreg.DS, SI);
        a.load(reg, Mem.abs(address));
        a.pop(SI).pop(Sreg.DS);
    }
}
