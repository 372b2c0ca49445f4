package dev.jkexec.qemu.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.x86.CpuMode;
import dev.jkexec.platform.x86.DescriptorTable;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Segment;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The parser on dumps captured from QEMU 7.2 ({@code info registers -a}, two vCPUs, TestRoms.MODES)
 * and on damaged variants of them.
 */
@Pure
class CpuStateParserTest {
    static String fixture(String name) {
        try (InputStream in = CpuStateParserTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void readsA64BitDump() {
        List<CpuState> cpus = CpuStateParser.parse(fixture("long64-smp2.txt"));

        assertThat(cpus).hasSize(2);
        CpuState state = cpus.get(0);
        Registers c = state.registers();
        assertThat(state.cpu()).isZero();
        assertThat(state.registerWidth()).isEqualTo(64);
        assertThat(c.mode()).isEqualTo(CpuMode.LONG_64);
        assertThat(c.gpr().rax()).isEqualTo(0x1111111111111111L);
        assertThat(c.gpr().rbx()).isEqualTo(0x0123456789abcdefL);
        assertThat(c.gpr().rsp()).isEqualTo(0x7000);
        assertThat(c.gpr().r8()).isEqualTo(0x8888888888888888L);
        assertThat(c.gpr().r15()).isEqualTo(0xfedcba9876543210L);
        assertThat(c.rip()).isEqualTo(0xffff026aL);
        assertThat(c.rflags()).isEqualTo(0x86);
        assertThat(state.cpl()).isZero();
        assertThat(state.halted()).isTrue();
        assertThat(c.cs()).isEqualTo(new Segment(0x18, 0, 0xffffffffL, 0x00af9a00));
        assertThat(c.cs().longMode()).isTrue();
        assertThat(c.cs().code()).isTrue();
        assertThat(c.ds()).isEqualTo(new Segment(0x10, 0, 0xffffffffL, 0x00cf9300));
        assertThat(c.tr().type()).isEqualTo(0xb);
        assertThat(c.gdt()).isEqualTo(new DescriptorTable(0xffff0270L, 0x1f));
        assertThat(c.idt()).isEqualTo(new DescriptorTable(0, 0xffff));
        assertThat(c.cr0()).isEqualTo(0x80000011L);
        assertThat(c.paging()).isTrue();
        assertThat(c.cr3()).isEqualTo(0x10000);
        assertThat(c.cr4()).isEqualTo(0x20);
        assertThat(c.efer()).isEqualTo(0x500);
        assertThat(c.linearRip()).isEqualTo(0xffff026aL);
        // The AP never got a SIPI: still at the reset vector, in real mode, halted.
        CpuState ap = cpus.get(1);
        assertThat(ap.cpu()).isEqualTo(1);
        assertThat(ap.registers().mode()).isEqualTo(CpuMode.REAL);
        assertThat(ap.halted()).isTrue();
        assertThat(ap.registers().linearRip()).isEqualTo(0xfffffff0L);
    }

    @Test
    void readsA32BitDump() {
        CpuState state = CpuStateParser.parse(fixture("protected32-smp2.txt")).get(0);
        Registers c = state.registers();

        assertThat(state.registerWidth()).isEqualTo(32);
        assertThat(c.mode()).isEqualTo(CpuMode.PROTECTED_32);
        assertThat(c.gpr().rax()).isEqualTo(0x11111111L);
        assertThat(c.gpr().rbp()).isEqualTo(0x77777777L);
        assertThat(c.gpr().rsp()).isEqualTo(0x7000);
        assertThat(c.gpr().r8()).isZero();
        assertThat(c.rip()).isEqualTo(0xffff0160L);
        assertThat(c.rflags()).isEqualTo(0x83);
        assertThat(c.cs()).isEqualTo(new Segment(0x08, 0, 0xffffffffL, 0x00cf9a00));
        assertThat(c.cs().defaultBig()).isTrue();
        assertThat(c.cr0()).isEqualTo(0x11);
        assertThat(c.paging()).isFalse();
        assertThat(c.efer()).isZero();
    }

    @Test
    void readsTheResetState() {
        CpuState state = CpuStateParser.parse(fixture("real16-smp2.txt")).get(0);
        Registers c = state.registers();

        assertThat(c.mode()).isEqualTo(CpuMode.REAL);
        assertThat(state.halted()).isFalse();
        assertThat(c.cs()).isEqualTo(new Segment(0xf000, 0xffff0000L, 0xffff, 0x9b00));
        assertThat(c.rip()).isEqualTo(0xfff0);
        assertThat(c.gpr().rdx()).isEqualTo(0x60fb1); // QEMU's CPUID signature in EDX at reset
        assertThat(c.cr0()).isEqualTo(0x60000010L);
    }

    @Test
    void acceptsLongModeOutsideA64BitSegment() {
        // Compatibility mode: QEMU prints 32-bit registers but 64-bit GDT/IDT bases and CR2/CR3.
        String dump = fixture("protected32-smp2.txt")
                .replace("GDT=     ffff0270 0000001f", "GDT=     00000000ffff0270 0000001f")
                .replace("CR0=00000011 CR2=00000000 CR3=00000000", "CR0=80000011 CR2=0000000000000000 CR3=0000000000010000")
                .replace("EFER=0000000000000000", "EFER=0000000000000500");

        Registers c = CpuStateParser.parse(dump).get(0).registers();

        assertThat(c.mode()).isEqualTo(CpuMode.COMPATIBILITY);
        assertThat(c.gdt().base()).isEqualTo(0xffff0270L);
        assertThat(c.cr3()).isEqualTo(0x10000);
    }

    @Test
    void acceptsCrLfAndUnknownRegisterLines() {
        String dump = fixture("long64-smp2.txt").replace("\n", "\r\n")
                .replace("EFER=", "PKRU=00000000\r\nEFER=");

        assertThat(CpuStateParser.parse(dump)).hasSize(2);
    }

    @Test
    void hmpErrorTextIsNotADump() {
        assertThatThrownBy(() -> CpuStateParser.parse("unknown command: 'info registerz'\r\n"))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessage("info registers, line 1: expected 'CPU#<n>', got 'unknown command: 'info registerz''");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\r\n", "   "})
    void emptyDumpIsAnError(String dump) {
        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessageContaining("no 'CPU#<n>' block")
                .extracting(e -> ((CpuStateFormatException) e).line()).isEqualTo(0);
    }

    @Test
    void missingRegisterNamesTheCpu() {
        String dump = fixture("long64-smp2.txt").replaceFirst("CR0=80000011 CR2=0000000000000000 CR3=0000000000010000 CR4=00000020\n", "");

        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessage("info registers, line 2: CPU#0 has no CR0");
    }

    @Test
    void malformedSegmentNamesTheLine() {
        String dump = fixture("long64-smp2.txt").replace("CS =0018 0000000000000000", "CS =0018 00000000000000zz");

        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessageStartingWith("info registers, line 9: malformed segment register line 'CS =0018");
    }

    @Test
    void garbageInARegisterLineNamesTheLine() {
        String dump = fixture("protected32-smp2.txt").replace("EBP=77777777", "EBP=7777777?");

        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessageStartingWith("info registers, line 4: unreadable text");
    }

    @Test
    void overlongNumberIsAnError() {
        String dump = fixture("long64-smp2.txt").replace("RAX=1111111111111111", "RAX=11111111111111111");

        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessageStartingWith("info registers, line 3:");
    }

    @Test
    void duplicateRegisterIsAnError() {
        String dump = fixture("long64-smp2.txt").replaceFirst("EFER=0000000000000500", "EFER=0000000000000500\nEFER=0");

        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessage("info registers, line 22: EFER given twice for CPU#0");
    }

    @Test
    void duplicateCpuIsAnError() {
        String one = fixture("real16-smp2.txt");
        String dump = one + one;

        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessageContaining("CPU#0 appears twice");
    }

    @Test
    void lineThatIsNotARegisterLineIsAnError() {
        String dump = fixture("real16-smp2.txt").replace("EFER=", "\u0000\u0001 garbage\nEFER=");

        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessageContaining("not a register line: '\\x00\\x01 garbage'");
    }

    @Test
    void bothWidthsInOneBlockIsAnError() {
        String dump = fixture("long64-smp2.txt").replaceFirst("R8 =", "EAX=00000000 R8 =");

        assertThatThrownBy(() -> CpuStateParser.parse(dump))
                .isInstanceOf(CpuStateFormatException.class)
                .hasMessageContaining("both RAX and EAX");
    }

    @Test
    void truncatedDumpsNeverEscapeAsOtherExceptions() {
        String dump = fixture("long64-smp2.txt");
        for (int cut = 0; cut < dump.length(); cut += 7) {
            String part = dump.substring(0, cut);
            try {
                CpuStateParser.parse(part);
            } catch (CpuStateFormatException expected) {
                assertThat(expected.getMessage()).doesNotContain("\n");
            }
        }
    }
}
