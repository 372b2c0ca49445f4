package dev.jkexec.core.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.contract.HandoverContract.Boundary;
import dev.jkexec.core.contract.HandoverContract.NamedRange;
import dev.jkexec.image.multiboot.MultibootInfo;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.x86.DescriptorTable;
import dev.jkexec.platform.x86.GeneralRegisters;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Segment;
import dev.jkexec.platform.x86.SegmentDescriptor;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real-mode and Multiboot boundaries on synthetic states: the state jkexec's purgatory
 * documents passes every rule; each single break fails exactly the rule named for it.
 */
@Pure
class BoundaryRulesTest {
    static final long X = 0x90000;
    static final long KERNEL = 0x1000000;
    static final long MBI = 0x103000;
    static final long GDT = 0x8000;
    static final List<NamedRange> RAM = List.of(new NamedRange("ram", 0, 0x9F000), new NamedRange("ram", 0x100000, (64L << 20) - 0x100000));

    static PhysicalMemory memory() {
        PhysicalMemory m = PhysicalMemory.ofHeap(64L << 20);
        // jkexec's BIOS: vectors into F000, the e820 table for int 15h
        for (int v : RealModeRules.BIOS_VECTORS) {
            m.writeInt(4L * v, 0xF000_0100 + v);
        }
        m.writeInt(0x4F0, 2);
        m.writeLong(0x500, 0);
        m.writeLong(0x508, 0x9F000);
        m.writeInt(0x510, 1);
        m.writeLong(0x514, 0x100000);
        m.writeLong(0x51C, (64L << 20) - 0x100000);
        m.writeInt(0x524, 1);
        // the setup code's header at X, as the planner wrote it, and the command line after the heap
        m.write(X + 0x1F1, new byte[] {39});
        m.write(X + 0x1FE, new byte[] {0x55, (byte) 0xAA});
        m.writeInt(X + 0x202, 0x53726448);
        m.write(X + 0x210, new byte[] {(byte) 0xD0, (byte) 0x81});
        m.writeInt(X + 0x214, (int) KERNEL);
        m.write(X + 0x224, new byte[] {0x00, (byte) 0x96});
        m.writeInt(X + 0x228, (int) (X + 0x9800));
        m.writeInt(X + 0x238, 2047);
        m.write(X + 0x9800, "console=ttyS0\0".getBytes());
        // a flat GDT for the Multiboot entry and the information structure
        m.writeLong(GDT + 0x10, SegmentDescriptor.CODE32.encode());
        m.writeLong(GDT + 0x18, SegmentDescriptor.DATA.encode());
        MultibootInfo info = new MultibootInfo("mbtest hello", "jkexec", 636, 0xFFC00, List.of(
                new MemoryRange(0, 0x9F000, E820Type.RAM), new MemoryRange(0x100000, (64L << 20) - 0x100000, E820Type.RAM)),
                List.of(new MultibootInfo.Module(0x102000, 0x10200C, "mod0")));
        m.write(MBI, info.encode(MBI));
        return m;
    }

    static final Segment NONE = new Segment(0, 0, 0, 0);

    static Registers registers(long rip, long rflags, GeneralRegisters g, long cr0, long efer, Segment cs, Segment data,
                               DescriptorTable gdt, DescriptorTable idt) {
        return new Registers(g, rip, rflags, data, cs, data, data, data, data, NONE, NONE, gdt, idt, cr0, 0, 0, 0, efer);
    }

    /** What the purgatory's real-mode handoff documents. */
    static Registers realMode() {
        Segment data = new Segment((int) (X >> 4), X, 0xFFFF, 0x9300);
        Segment cs = new Segment((int) (X >> 4) + 0x20, X + 0x200, 0xFFFF, 0x9b00);
        return registers(0, 0x2, GeneralRegisters.ZERO.with("rsp", 0x9800), 0x10, 0, cs, data, new DescriptorTable(0, 0),
                new DescriptorTable(0, 0x3FF));
    }

    /** What the purgatory's Multiboot handoff documents. */
    static Registers multiboot() {
        Segment data = new Segment(0x18, 0, 0xFFFFFFFFL, 0x00cf9300);
        Segment cs = new Segment(0x10, 0, 0xFFFFFFFFL, 0x00cf9b00);
        GeneralRegisters g = GeneralRegisters.ZERO.with("rsp", 0x2000).with("rax", 0x2BADB002L).with("rbx", MBI);
        return registers(0x100020, 0x2, g, 0x11, 0, cs, data, new DescriptorTable(GDT, 0x1F), new DescriptorTable(0, 0));
    }

    static HandoverContract realModeContract() {
        return new HandoverContract(Boundary.LINUX_16, X + 0x200, List.of(new NamedRange("kernel (init_size)", KERNEL, 0x1018000),
                new NamedRange("setup code", X, 0x200), new NamedRange("cmdline", X + 0x9800, 14)), X, RAM);
    }

    static HandoverContract multibootContract() {
        return new HandoverContract(Boundary.MULTIBOOT, 0x100020, List.of(new NamedRange("kernel", 0x100000, 0x2000),
                new NamedRange("multiboot info", MBI, 0x1000)), MBI, RAM);
    }

    static List<String> failed(HandoverContract c, Registers s, PhysicalMemory m) {
        return ContractChecker.check(c, s, m).stream().filter(r -> !r.pass()).map(RuleResult::rule).toList();
    }

    @Test
    void documentedStatesPassEveryRule() {
        PhysicalMemory m = memory();
        assertThat(ContractChecker.check(realModeContract(), realMode(), m)).allMatch(RuleResult::pass).hasSize(14);
        assertThat(ContractChecker.check(multibootContract(), multiboot(), m)).allMatch(RuleResult::pass).hasSize(14);
    }

    static Registers with(Registers s, String register, long value) {
        return new Registers(s.gpr().with(register, value), s.rip(), s.rflags(), s.es(), s.cs(), s.ss(), s.ds(), s.fs(), s.gs(),
                s.ldt(), s.tr(), s.gdt(), s.idt(), s.cr0(), s.cr2(), s.cr3(), s.cr4(), s.efer());
    }

    static Registers segment(Registers s, String name, Segment c) {
        return new Registers(s.gpr(), s.rip(), s.rflags(), name.equals("ES") ? c : s.es(), name.equals("CS") ? c : s.cs(),
                name.equals("SS") ? c : s.ss(), s.ds(), s.fs(), s.gs(), s.ldt(), s.tr(), s.gdt(), s.idt(), s.cr0(), s.cr2(),
                s.cr3(), s.cr4(), s.efer());
    }

    static Registers control(Registers s, long cr0, long rflags, long efer) {
        return new Registers(s.gpr(), s.rip(), rflags, s.es(), s.cs(), s.ss(), s.ds(), s.fs(), s.gs(), s.ldt(), s.tr(), s.gdt(),
                s.idt(), cr0, s.cr2(), s.cr3(), s.cr4(), efer);
    }

    static Registers idt(Registers s, DescriptorTable idt) {
        return new Registers(s.gpr(), s.rip(), s.rflags(), s.es(), s.cs(), s.ss(), s.ds(), s.fs(), s.gs(), s.ldt(), s.tr(), s.gdt(),
                idt, s.cr0(), s.cr2(), s.cr3(), s.cr4(), s.efer());
    }

    static Stream<Arguments> realModeBreaks() {
        Registers ok = realMode();
        return Stream.of(
                Arguments.of("mode.real", control(ok, 0x11, 0x2, 0)),
                Arguments.of("cr0.flags", control(ok, 0x60000010L, 0x2, 0)),
                Arguments.of("interrupts.off", control(ok, 0x10, 0x202, 0)),
                Arguments.of("rflags.df", control(ok, 0x10, 0x402, 0)),
                Arguments.of("data.selectors", segment(ok, "SS", new Segment(0x8000, 0x80000, 0xFFFF, 0x9300))),
                Arguments.of("stack.setup", with(ok, "rsp", 0xFFFCL)),
                Arguments.of("registers.zero", with(ok, "rsi", 0x90000L)),
                Arguments.of("ivt.bios", idt(ok, new DescriptorTable(0, 0))));
    }

    @ParameterizedTest
    @MethodSource("realModeBreaks")
    void eachRealModeBreakFailsItsRule(String rule, Registers broken) {
        assertThat(failed(realModeContract(), broken, memory())).containsExactly(rule);
    }

    @Test
    void realModeEntryAndHeaderBreaks() {
        Registers wrongCs = segment(realMode(), "CS", new Segment(0x9000, 0x90000, 0xFFFF, 0x9b00));
        assertThat(failed(realModeContract(), wrongCs, memory())).containsExactly("entry.rip", "cs.selector");
        PhysicalMemory noBios = memory();
        noBios.writeInt(4L * 0x15, 0);
        assertThat(failed(realModeContract(), realMode(), noBios)).containsExactly("ivt.bios");
        PhysicalMemory noE820 = memory();
        noE820.writeInt(0x4F0, 0);
        assertThat(failed(realModeContract(), realMode(), noE820)).containsExactly("bios.e820");
        PhysicalMemory noHeap = memory();
        noHeap.write(X + 0x211, new byte[] {0x01});
        assertThat(failed(realModeContract(), realMode(), noHeap)).containsExactly("setup.header");
        PhysicalMemory lowCmdline = memory();
        lowCmdline.writeInt(X + 0x228, 0x80000);
        assertThat(failed(realModeContract(), realMode(), lowCmdline)).containsExactly("setup.cmdline");
    }

    static Stream<Arguments> multibootBreaks() {
        Registers ok = multiboot();
        return Stream.of(
                Arguments.of("eax.magic", with(ok, "rax", 0L)),
                Arguments.of("ebx.info", with(ok, "rbx", 0x104000L)),
                Arguments.of("mode.protected32", control(ok, 0x11, 0x2, 0x100)),
                Arguments.of("interrupts.off", control(ok, 0x11, 0x202, 0)),
                Arguments.of("rflags.vm", control(ok, 0x11, 0x20002, 0)),
                Arguments.of("data.descriptors", segment(ok, "ES", new Segment(0x10, 0, 0xFFFFFFFFL, 0x00cf9b00))));
    }

    @ParameterizedTest
    @MethodSource("multibootBreaks")
    void eachMultibootBreakFailsItsRule(String rule, Registers broken) {
        assertThat(failed(multibootContract(), broken, memory())).containsExactly(rule);
    }

    @Test
    void multibootStructureBreaks() {
        PhysicalMemory noMmap = memory();
        noMmap.writeInt(MBI, MultibootInfo.FLAG_MEMORY | MultibootInfo.FLAG_CMDLINE | MultibootInfo.FLAG_MODS);
        assertThat(failed(multibootContract(), multiboot(), noMmap)).containsExactly("mbi.structure", "mbi.mmap");
        PhysicalMemory badModule = memory();
        long mods = Integer.toUnsignedLong(badModule.readInt(MBI + 24));
        badModule.writeInt(mods, 0x102010);
        assertThat(failed(multibootContract(), multiboot(), badModule)).containsExactly("mbi.modules");
        PhysicalMemory wild = memory();
        wild.writeInt(MBI + 24, 0x7FFF0000);
        assertThat(failed(multibootContract(), multiboot(), wild)).containsExactly("mbi.structure");
    }
}
