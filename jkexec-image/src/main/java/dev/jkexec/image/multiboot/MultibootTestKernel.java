package dev.jkexec.image.multiboot;

import static dev.jkexec.platform.x86.Reg.*;

import dev.jkexec.platform.x86.Assembler;
import dev.jkexec.platform.x86.Cond;
import dev.jkexec.platform.x86.Label;
import dev.jkexec.platform.x86.Mem;
import dev.jkexec.platform.x86.Sreg;
import java.nio.charset.StandardCharsets;

/**
 * A Multiboot v1 test kernel, generated with jkexec's own assembler: it prints on COM1 what it was
 * entered with — EAX, EBX, CR0, EFLAGS, CS and DS — and the whole information structure EBX points
 * to: flags, mem_lower/mem_upper, the command line, the boot loader's name, every memory map
 * entry and every module with its string. Then it halts. Tests compare those lines with what the
 * toolstack planned, so they check what the kernel really found, not what jkexec wrote.
 *
 * <p>The file is flat, loaded at {@link #LOAD} by its header's address fields (flag 16), with flags
 * PAGE_ALIGN and MEMORY_INFO. Every line starts with {@value #PREFIX}; numbers are 8 hex digits:
 * <pre>
 *   mbtest: eax=2badb002 ebx=0010b000 cr0=00000011 eflags=00000002 cs=0010 ds=0018
 *   mbtest: flags=0000024d mem_lower=00000280 mem_upper=0003fc00
 *   mbtest: cmdline=mbtest.bin hello
 *   mbtest: boot_loader_name=jkexec
 *   mbtest: mmap base=00000000:00000000 length=00000000:0009f000 type=00000001
 *   mbtest: mods_count=00000001
 *   mbtest: mod start=00108000 end=0010a345 string=mod0 a=1
 *   mbtest: done
 * </pre>
 * A bad magic prints {@code mbtest: not entered by a Multiboot loader} and halts at once.
 */
public final class MultibootTestKernel {
    public static final String PREFIX = "mbtest: ";
    public static final long LOAD = 0x100000;
    static final int COM1 = 0x3F8;
    static final long FLAGS = MultibootHeader.FLAG_PAGE_ALIGN | MultibootHeader.FLAG_MEMORY_INFO | MultibootHeader.FLAG_ADDRESSES;

    private MultibootTestKernel() {
    }

    /** The kernel file. */
    public static byte[] build() {
        Assembler a = new Assembler(LOAD).bits(32);
        Label header = a.label("header");
        Label start = a.label("start");
        Label end = a.label("end");
        Label putc = a.label("putc");
        Label puts = a.label("puts");
        Label hex = a.label("hex");
        Label hex16 = a.label("hex16");
        Label halt = a.label("halt");
        Label badMagic = a.label("bad_magic");
        Label noMmap = a.label("no_mmap");
        Label noMods = a.label("no_mods");
        Strings s = new Strings(a);

        // ---- the Multiboot header, with the address fields ----
        a.bind(header);
        a.dd(MultibootHeader.MAGIC).dd(FLAGS).dd((-(MultibootHeader.MAGIC + FLAGS)) & 0xFFFF_FFFFL);
        a.dd(header).dd(LOAD).dd(0).dd(0).dd(start);   // header, load; load_end 0 = whole file; no bss

        // ---- entry: EAX = magic, EBX = info; stack of our own ----
        a.align(16, 0x90).bind(start);
        a.mov(EBP, EAX);                                 // keep EAX for the report
        a.movImm(ESP, s.stackTop);
        a.pushf().pop(EDX);                              // EFLAGS as entered, before this code changes it
        a.cli().cld();
        a.alu(Assembler.Alu.CMP, EBP, 0x2BADB002L).j(Cond.NE, badMagic);
        a.mov(EDI, EBX);                                 // EDI = the information structure from here on
        // eax= ebx= cr0= eflags= cs= ds=
        a.movImm(ESI, s.at("eax=")).call(puts).mov(EAX, EBP).call(hex);
        a.movImm(ESI, s.at(" ebx=")).call(puts).mov(EAX, EDI).call(hex);
        a.movImm(ESI, s.at(" cr0=")).call(puts).movFromCr(EAX, 0).call(hex);
        a.movImm(ESI, s.at(" eflags=")).call(puts).mov(EAX, EDX).call(hex);
        a.movImm(ESI, s.at(" cs=")).call(puts).movFromSreg(AX, Sreg.CS).call(hex16);
        a.movImm(ESI, s.at(" ds=")).call(puts).movFromSreg(AX, Sreg.DS).call(hex16);
        newline(a, putc);
        // flags mem_lower mem_upper
        field(a, s, puts, hex, "flags=", Mem.at(EDI, 0), true);
        field(a, s, puts, hex, " mem_lower=", Mem.at(EDI, 4), false);
        field(a, s, puts, hex, " mem_upper=", Mem.at(EDI, 8), false);
        newline(a, putc);
        // cmdline, boot_loader_name (strings they point to)
        a.movImm(ESI, s.at(PREFIX + "cmdline=")).call(puts).load(ESI, Mem.at(EDI, 16)).call(puts);
        newline(a, putc);
        a.movImm(ESI, s.at(PREFIX + "boot_loader_name=")).call(puts).load(ESI, Mem.at(EDI, 64)).call(puts);
        newline(a, putc);
        // the memory map: EBX = entry, EDX = end
        Label mmapLoop = a.label("mmap_loop");
        a.load(EAX, Mem.at(EDI, 0)).test(EAX, MultibootInfo.FLAG_MMAP).j(Cond.Z, noMmap);
        a.load(EBX, Mem.at(EDI, 48)).load(EDX, Mem.at(EDI, 44)).alu(Assembler.Alu.ADD, EDX, EBX);
        a.bind(mmapLoop).alu(Assembler.Alu.CMP, EBX, EDX).j(Cond.AE, noMmap);
        a.push(EDX);
        a.movImm(ESI, s.at(PREFIX + "mmap base=")).call(puts).load(EAX, Mem.at(EBX, 8)).call(hex);
        a.movImm(ESI, s.at(":")).call(puts).load(EAX, Mem.at(EBX, 4)).call(hex);
        a.movImm(ESI, s.at(" length=")).call(puts).load(EAX, Mem.at(EBX, 16)).call(hex);
        a.movImm(ESI, s.at(":")).call(puts).load(EAX, Mem.at(EBX, 12)).call(hex);
        a.movImm(ESI, s.at(" type=")).call(puts).load(EAX, Mem.at(EBX, 20)).call(hex);
        newline(a, putc);
        a.pop(EDX);
        a.load(EAX, Mem.at(EBX, 0)).alu(Assembler.Alu.ADD, EBX, EAX).add(EBX, 4).jmp(mmapLoop);
        a.bind(noMmap);
        // modules: EBX = entry, ECX = count left
        Label modLoop = a.label("mod_loop");
        a.movImm(ESI, s.at(PREFIX + "mods_count=")).call(puts).load(EAX, Mem.at(EDI, 20)).call(hex);
        newline(a, putc);
        a.load(ECX, Mem.at(EDI, 20)).load(EBX, Mem.at(EDI, 24));
        a.bind(modLoop).test(ECX, ECX).j(Cond.Z, noMods);
        a.push(ECX);
        a.movImm(ESI, s.at(PREFIX + "mod start=")).call(puts).load(EAX, Mem.at(EBX, 0)).call(hex);
        a.movImm(ESI, s.at(" end=")).call(puts).load(EAX, Mem.at(EBX, 4)).call(hex);
        a.movImm(ESI, s.at(" string=")).call(puts).load(ESI, Mem.at(EBX, 8)).call(puts);
        newline(a, putc);
        a.pop(ECX);
        a.add(EBX, 16).dec(ECX).jmp(modLoop);
        a.bind(noMods);
        a.movImm(ESI, s.at(PREFIX + "done\n")).call(puts);
        a.bind(halt).cli().hlt().jmp(halt);

        a.bind(badMagic).movImm(ESI, s.at(PREFIX + "not entered by a Multiboot loader\n")).call(puts).jmp(halt);

        // ---- putc(AL): COM1, waiting for an empty transmitter ----
        Label wait = a.label("wait");
        a.bind(putc).push(EDX).push(EAX);
        a.movImm(DX, COM1 + 5).bind(wait).inAlDx().test(AL, 0x20).j(Cond.Z, wait);
        a.pop(EAX).movImm(DX, COM1).outDxAl().pop(EDX).ret();
        // puts(ESI): up to the NUL; "\n" goes out as "\r\n"
        Label next = a.label("puts_next");
        Label done = a.label("puts_done");
        Label plain = a.label("puts_plain");
        a.bind(puts).push(EAX).push(ESI);
        a.bind(next).load(AL, Mem.at(ESI)).test(AL, AL).j(Cond.Z, done);
        a.alu(Assembler.Alu.CMP, AL, '\n').j(Cond.NE, plain).movImm(AL, '\r').call(putc).movImm(AL, '\n');
        a.bind(plain).call(putc).inc(ESI).jmp(next);
        a.bind(done).pop(ESI).pop(EAX).ret();
        // hex(EAX): 8 digits; hex16(AX): 4 digits
        emitHex(a, hex, 8, putc);
        emitHex(a, hex16, 4, putc);

        s.emit();
        a.bind(end);
        return a.assemble();
    }

    private static void field(Assembler a, Strings s, Label puts, Label hex, String name, Mem m, boolean first) {
        a.movImm(ESI, s.at(first ? PREFIX + name : name)).call(puts).load(EAX, m).call(hex);
    }

    private static void newline(Assembler a, Label putc) {
        a.movImm(AL, '\r').call(putc).movImm(AL, '\n').call(putc);
    }

    private static void emitHex(Assembler a, Label entry, int digits, Label putc) {
        Label loop = a.label(entry + "_loop");
        Label digit = a.label(entry + "_digit");
        a.bind(entry).push(EAX).push(ECX).push(EDX);
        if (digits == 4) {
            a.shl(EAX, 16);
        }
        a.movImm(ECX, digits).mov(EDX, EAX);
        a.bind(loop).rol(EDX, 4).mov(EAX, EDX).and(EAX, 0xF);
        a.alu(Assembler.Alu.CMP, AL, 10).j(Cond.B, digit).add(AL, 'a' - 10 - '0');
        a.bind(digit).add(AL, '0').call(putc).dec(ECX).j(Cond.NZ, loop);
        a.pop(EDX).pop(ECX).pop(EAX).ret();
    }

    /** The kernel's strings and its stack, after the code. */
    private static final class Strings {
        private final Assembler a;
        private final java.util.Map<String, Label> labels = new java.util.LinkedHashMap<>();
        final Label stackTop;

        Strings(Assembler a) {
            this.a = a;
            this.stackTop = a.label("stack_top");
        }

        Label at(String text) {
            String t = text.startsWith(PREFIX) || text.startsWith(" ") || text.equals(":") ? text : PREFIX + text;
            return labels.computeIfAbsent(t, k -> a.label("str" + labels.size()));
        }

        void emit() {
            for (var e : labels.entrySet()) {
                a.bind(e.getValue());
                for (byte b : e.getKey().getBytes(StandardCharsets.US_ASCII)) {
                    a.db(b & 0xFF);
                }
                a.db(0);
            }
            a.align(16, 0);
            a.fillTo(a.address() + 4096, 0);
            a.bind(stackTop);
        }
    }
}
