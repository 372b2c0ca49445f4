package dev.jkexec.platform.x86;

import static dev.jkexec.platform.x86.Reg.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Encodings checked byte for byte. The expected bytes were produced once by GNU as 2.40 from the
 * AT&amp;T listing in each comment; where the assembler picks a shorter equivalent form (an
 * accumulator short form, moffs), the expected bytes are the SDM's general form that we emit.
 */
@Pure
class AssemblerTest {
    private static String hex(Assembler a) {
        return HexFormat.of().formatHex(a.assemble());
    }

    @Test
    void encodes64BitInstructions() {
        Assembler a = new Assembler(0).bits(64);
        a.movImm(EAX, 0x12345678);                 // mov $0x12345678,%eax
        a.movImm(RAX, 0x123456789aL);              // mov $0x123456789a,%rax
        a.movImm(R9, 5);                           // mov $5,%r9d (zero-extends)
        a.mov(RSI, RBX);                           // mov %rbx,%rsi
        a.mov(RAX, R8);                            // mov %r8,%rax
        a.load(RBX, Mem.at(RAX, 0x10));            // mov 0x10(%rax),%rbx
        a.load(RCX, Mem.at(RSP));                  // mov (%rsp),%rcx
        a.load(RDX, Mem.at(R12, 8));               // mov 8(%r12),%rdx
        a.load(RAX, Mem.at(RBP));                  // mov 0(%rbp),%rax
        a.load(R14, Mem.at(R13, 0x1000));          // mov 0x1000(%r13),%r14
        a.store(Mem.at(RDI, 0x40), RAX);           // mov %rax,0x40(%rdi)
        a.storeImm(Mem.at(RAX, 8), 0, 64);         // movq $0,8(%rax)
        a.storeImm(Mem.at(RBX, 4), 0x11223344, 32); // movl $0x11223344,4(%rbx)
        a.lea(RDX, Mem.at(RAX, 0x20));             // lea 0x20(%rax),%rdx
        a.load(EAX, Mem.abs(0x5000));              // mov 0x5000,%eax
        a.and(RDI, -4096);                         // and $-4096,%rdi
        a.and(EDI, 0xfffff000L);                   // and $0xfffff000,%edi
        a.test(CL, 1);                             // test $1,%cl
        a.test(RCX, 0x10);                         // test $0x10,%rcx
        a.cmp(RAX, 0x7f);                          // cmp $0x7f,%rax
        a.add(RBX, 8);                             // add $8,%rbx
        a.xor(EAX, EAX);                           // xor %eax,%eax
        a.xor(R8, R8);                             // xor %r8,%r8
        a.xor(R15.as32(), R15.as32());             // xor %r15d,%r15d
        a.shl(RAX, 4);                             // shl $4,%rax
        a.dec(RCX);                                // dec %rcx
        a.push(RAX);                               // push %rax
        a.push(R12);                               // push %r12
        a.pop(R15);                                // pop %r15
        a.pushImm(0x10);                           // pushq $0x10 (imm32 form)
        a.pushMem(Mem.at(RAX, 0x20));              // pushq 0x20(%rax)
        a.jmp(RAX);                                // jmp *%rax
        a.jmp(R11);                                // jmp *%r11
        a.lgdt(Mem.at(RAX, 0x48));                 // lgdt 0x48(%rax)
        a.lidt(Mem.at(RAX));                       // lidt (%rax)
        a.movToCr(3, RAX);                         // mov %rax,%cr3
        a.movFromCr(RAX, 4);                       // mov %cr4,%rax
        a.movSreg(Sreg.DS, AX);                    // mov %ax,%ds
        a.movSreg(Sreg.SS, AX);                    // mov %ax,%ss
        a.repMovsq();                              // rep movsq
        a.repStosq();                              // rep stosq
        a.retFar();                                // lretq
        a.jmpFar(Mem.at(RAX, 0x10));               // ljmp *0x10(%rax)
        assertThat(hex(a)).isEqualTo(
                "b878563412" + "48b89a78563412000000" + "41b905000000" + "4889de" + "4c89c0"
                + "488b5810" + "488b0c24" + "498b542408" + "488b4500" + "4d8bb500100000"
                + "48894740" + "48c7400800000000" + "c7430444332211" + "488d5020" + "8b042500500000"
                + "4881e700f0ffff" + "81e700f0ffff" + "f6c101" + "48f7c110000000" + "4883f87f" + "4883c308"
                + "31c0" + "4d31c0" + "4531ff" + "48c1e004" + "48ffc9" + "50" + "4154" + "415f" + "6810000000"
                + "ff7020" + "ffe0" + "41ffe3" + "0f015048" + "0f0118" + "0f22d8" + "0f20e0" + "8ed8" + "8ed0"
                + "f348a5" + "f348ab" + "48cb" + "ff6810");
    }

    @Test
    void encodes32BitInstructions() {
        Assembler a = new Assembler(0).bits(32);
        Label far = a.label("far");
        a.movImm(AX, 0x18);                        // mov $0x18,%ax
        a.movSreg(Sreg.DS, AX);                    // mov %ax,%ds
        a.movImm(ESP, 0xfffe1000L);                // mov $0xfffe1000,%esp
        a.load(EAX, Mem.abs(0x5000));              // mov 0x5000,%eax (8b /r form)
        a.cmp(EAX, 0x4a4b5848);                    // cmp $0x4a4b5848,%eax (81 /7 form)
        a.storeImm(Mem.abs(0x5004), 0, 32);        // movl $0,0x5004
        a.movFromCr(EAX, 0);                       // mov %cr0,%eax
        a.and(EAX, 0x7fffffff);                    // and $0x7fffffff,%eax (81 /4 form)
        a.or(EAX, 0x80000000L);                    // or $0x80000000,%eax
        a.movToCr(0, EAX);                         // mov %eax,%cr0
        a.or(EAX, 0x20);                           // or $0x20,%eax
        a.movImm(ECX, 0xc0000080L);                // mov $0xc0000080,%ecx
        a.rdmsr();
        a.wrmsr();
        a.jmpFar(0x10, far);                       // ljmp $0x10,$far
        a.inAl(0x92);                              // in $0x92,%al
        a.or(AL, 2);                               // or $2,%al (80 /1 form)
        a.and(AL, 0xfe);                           // and $0xfe,%al (80 /4 form)
        a.outAl(0x92);                             // out %al,$0x92
        a.pushMem(Mem.abs(0x5020));                // pushl 0x5020
        a.load(EBX, Mem.at(EAX, 0x10));            // mov 0x10(%eax),%ebx
        a.repMovsd();                              // rep movsl
        a.bind(far);
        String farAddress = HexFormat.of().formatHex(new byte[] {(byte) a.size(), 0, 0, 0});
        assertThat(hex(a)).isEqualTo(
                "66b81800" + "8ed8" + "bc0010feff" + "8b0500500000" + "81f848584b4a" + "c7050450000000000000"
                + "0f20c0" + "81e0ffffff7f" + "81c800000080" + "0f22c0" + "83c820" + "b9800000c0" + "0f32" + "0f30"
                + "ea" + farAddress + "1000" + "e492" + "80c802" + "80e0fe" + "e692" + "ff3520500000" + "8b5810" + "f3a5");
    }

    @Test
    void encodesByteSwapsAndThe32BitPortWrite() {
        Assembler a = new Assembler(0).bits(64);
        a.bswap(EDX);                              // bswap %edx
        a.bswap(RDX);                              // bswap %rdx
        a.bswap(R9);                               // bswap %r9
        a.bswap(R10.as32());                       // bswap %r10d
        a.outDxEax();                              // out %eax,(%dx)
        assertThat(hex(a)).isEqualTo("0fca" + "480fca" + "490fc9" + "410fca" + "ef");
        assertThatThrownBy(() -> new Assembler(0).bits(64).bswap(DX)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void encodes16BitInstructionsAgainstASegmentBase() {
        long base = 0xFFFF0000L;
        Assembler a = new Assembler(base).bits(16);
        Label gdtr = a.label("gdtr");
        Label pm = a.label("pm");
        a.cli().cld();
        a.lgdt(Mem.seg16(Sreg.CS, gdtr, base));    // lgdtl %cs:gdtr
        a.movFromCr(EAX, 0);                       // mov %cr0,%eax
        a.and(EAX, 0x9fffffffL);                   // and $0x9fffffff,%eax
        a.or(EAX, 1);                              // or $1,%eax
        a.movToCr(0, EAX);                         // mov %eax,%cr0
        a.jmpFar(8, pm);                           // ljmpl $8,$pm
        a.movImm(DX, 0x3f8);                       // mov $0x3f8,%dx
        a.movImm(AL, 0x4a);                        // mov $0x4a,%al
        a.outDxAl();                               // out %al,(%dx)
        a.fillTo(base + 0x1234, 0x90).bind(gdtr);
        a.fillTo(base + 0x2000, 0x90).bind(pm);
        String head = HexFormat.of().formatHex(a.assemble(), 0, 40);
        assertThat(head).isEqualTo(
                "fafc" + "662e0f01163412" + "0f20c0" + "6681e0ffffff9f" + "6683c801" + "0f22c0"
                + "66ea0020ffff0800" + "baf803" + "b04a" + "ee");
    }

    @Test
    void resolvesRelativeJumpsBothWays() {
        Assembler a = new Assembler(0x1000).bits(64);
        Label top = a.label("top");
        Label out = a.label("out");
        a.bind(top);
        a.j(Cond.E, out);      // 0f 84 rel32 → +5 (skips the jmp)
        a.jmp(top);            // e9 rel32 → -11
        a.bind(out);
        a.hlt();
        assertThat(hex(a)).isEqualTo("0f8405000000" + "e9f5ffffff" + "f4");
    }

    @Test
    void ripRelativeDisplacementCountsTheImmediate() {
        Assembler a = new Assembler(0xFFFF0000L).bits(64);
        Label data = a.label("data");
        a.storeImm(Mem.rip(data), 7, 32);  // c7 05 disp32 imm32: disp from the end of the imm
        a.bind(data);
        a.dd(0);
        assertThat(hex(a)).isEqualTo("c705" + "00000000" + "07000000" + "00000000");
    }

    @Test
    void padsWithTheFillByteToAnAlignmentOrAnAddress() {
        Assembler a = new Assembler(0xFFFF0000L).bits(32);
        a.db(0x90);
        a.align(4, 0xCC);             // 3 bytes to the next multiple of 4
        a.align(4, 0xCC);             // already aligned: nothing
        a.fillTo(0xFFFF0008L, 0xF4);  // 4 bytes up to the address
        a.fillTo(0xFFFF0008L, 0xF4);  // already there: nothing
        a.db(0x01);
        assertThat(hex(a)).isEqualTo("90cccccc" + "f4f4f4f4" + "01");
        assertThat(a.address()).isEqualTo(0xFFFF0009L);
        assertThatThrownBy(() -> a.fillTo(0xFFFF0004L, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("past 0xffff0004");
    }

    @Test
    void refusesWhatItCannotEncode() {
        Assembler a = new Assembler(0).bits(32);
        assertThatThrownBy(() -> a.movImm(RAX, 1)).isInstanceOf(IllegalStateException.class);
        Assembler b = new Assembler(0).bits(64);
        assertThatThrownBy(() -> b.load(EAX, Mem.abs(0x9000_0000L))).isInstanceOf(IllegalArgumentException.class);
        Assembler c = new Assembler(0).bits(16);
        Label far = c.label("far");
        c.jmp(far);
        c.fillTo(0x10000, 0);
        c.bind(far);
        assertThatThrownBy(c::assemble).hasMessageContaining("REL16");
        Assembler d = new Assembler(0).bits(64);
        d.jmp(d.label("never"));
        assertThatThrownBy(d::assemble).hasMessageContaining("not bound");
    }
}
