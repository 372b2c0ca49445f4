package dev.jkexec.core.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.contract.HandoverContract.Boundary;
import dev.jkexec.core.contract.HandoverContract.NamedRange;
import dev.jkexec.core.handover.EntryGdt;
import dev.jkexec.core.handover.IdentityMap;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.x86.DescriptorTable;
import dev.jkexec.platform.x86.GeneralRegisters;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Segment;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * The checker on synthetic states: the state the firmware documents passes every rule; each
 * deliberate fault fails exactly the rule named for it. (Machine tests run it on real CPUs.)
 */
@Pure
class ContractCheckerTest {
    /** Where a 64 MiB machine with a 16 MiB crash region keeps its hidden pages (as MachineLayout places them). */
    private static final long HIDDEN = 80L << 20;
    private static final long ENTRY_GDT = HIDDEN + 0x2000;
    private static final long STACK_TOP = HIDDEN + 0x2000;
    private static final long PAGE_TABLES = HIDDEN + 0x80000;
    private static final PhysicalMemory MEMORY = PhysicalMemory.ofHeap(86L << 20);
    private static final long CR3;
    private static final long ZERO_PAGE = 0x10000;
    private static final long CMDLINE = 0x11000;

    static {
        EntryGdt.write(MEMORY, ENTRY_GDT);
        CR3 = IdentityMap.write(MEMORY, PAGE_TABLES, 1L << 32);
        // A minimal valid zero page: boot_flag, HdrS, protocol 2.15, loader 0xD0, a command line, one e820 RAM entry.
        MEMORY.write(ZERO_PAGE + 0x1FE, new byte[] {0x55, (byte) 0xAA});
        MEMORY.writeInt(ZERO_PAGE + 0x202, 0x53726448);
        MEMORY.writeInt(ZERO_PAGE + 0x206, 0x020F);
        MEMORY.write(ZERO_PAGE + 0x210, new byte[] {(byte) 0xD0});
        MEMORY.writeInt(ZERO_PAGE + 0x228, (int) CMDLINE);
        MEMORY.writeInt(ZERO_PAGE + 0x238, 2047);
        MEMORY.write(CMDLINE, "console=ttyS0\0".getBytes());
        MEMORY.write(ZERO_PAGE + 0x1E8, new byte[] {1});
        MEMORY.writeLong(ZERO_PAGE + 0x2D0, 0x100000);
        MEMORY.writeLong(ZERO_PAGE + 0x2D8, (64L << 20) - 0x100000);
        MEMORY.writeInt(ZERO_PAGE + 0x2E0, 1);
    }

    private static final Segment DATA = new Segment(0x18, 0, 0xFFFFFFFFL, 0x00cf9300);
    private static final Segment NONE = new Segment(0, 0, 0, 0);

    private static GeneralRegisters zeroGprs(long rsp) {
        return GeneralRegisters.ZERO.with("rsp", rsp);
    }

    /** A state with {@code cs} for CS and flat data in DS, ES, SS, FS, GS. */
    private static Registers state(long rip, long rflags, GeneralRegisters gprs, long cr0, long cr3, long cr4, long efer,
                                   Segment cs, long gdtBase) {
        return new Registers(gprs, rip, rflags, DATA, cs, DATA, DATA, DATA, DATA, NONE, NONE,
                new DescriptorTable(gdtBase, 31), new DescriptorTable(0, 0), cr0, 0, cr3, cr4, efer);
    }

    private static Segment code(int codeFlags) {
        return new Segment(0x10, 0, 0xFFFFFFFFL, codeFlags);
    }

    /** What the firmware documents at a 64-bit image entry. */
    static Registers firmware64() {
        return state(0x200000, 0x2, zeroGprs(STACK_TOP), 0x80000011L, CR3, 0x20, 0x500, code(0x00af9b00), ENTRY_GDT);
    }

    /** What the firmware documents at a 32-bit image entry. */
    static Registers firmware32() {
        return state(0x200000, 0x2, zeroGprs(STACK_TOP), 0x11, 0, 0, 0, code(0x00cf9b00), ENTRY_GDT + EntryGdt.GDT32_OFFSET);
    }

    private static HandoverContract image64() {
        return new HandoverContract(Boundary.IMAGE_ENTRY_64, 0x200000,
                List.of(new NamedRange("kernel", 0x1000000, 0x400000)), 0, List.of());
    }

    private static HandoverContract image32() {
        return new HandoverContract(Boundary.IMAGE_ENTRY_32, 0x200000,
                List.of(new NamedRange("kernel", 0x1000000, 0x400000)), 0, List.of());
    }

    private static HandoverContract linux64() {
        return new HandoverContract(Boundary.LINUX_64, 0x200000, List.of(new NamedRange("zero page", ZERO_PAGE, 4096),
                new NamedRange("cmdline", CMDLINE, 14)), ZERO_PAGE, List.of(new NamedRange("ram", 0, 64L << 20)));
    }

    private static Registers with(Registers s, UnaryOperator<GeneralRegisters> gprs) {
        return state(s.rip(), s.rflags(), gprs.apply(s.gpr()), s.cr0(), s.cr3(), s.cr4(), s.efer(), s.cs(), s.gdt().base());
    }

    private static List<String> failed(List<RuleResult> results) {
        return results.stream().filter(r -> !r.pass()).map(RuleResult::rule).toList();
    }

    @Test
    void theFirmwaresDocumentedStatesPassEveryRule() {
        assertThat(failed(ContractChecker.check(image64(), firmware64(), MEMORY))).isEmpty();
        assertThat(failed(ContractChecker.check(image32(), firmware32(), MEMORY))).isEmpty();
        Registers kernel = with(firmware64(), g -> g.with("rsi", ZERO_PAGE));
        assertThat(failed(ContractChecker.check(linux64(), kernel, MEMORY))).isEmpty();
        assertThat(ContractChecker.check(linux64(), kernel, MEMORY)).extracting(RuleResult::rule)
                .contains("rsi.zero-page", "zero-page.header", "zero-page.cmdline", "zero-page.e820", "identity.ranges");
    }

    static Stream<Arguments> faults() {
        Registers ok = firmware64();
        Registers ok32 = firmware32();
        return Stream.of(
                Arguments.of("interrupts on", image64(), state(ok.rip(), 0x202, ok.gpr(), ok.cr0(), CR3,
                        ok.cr4(), ok.efer(), ok.cs(), ok.gdt().base()), "interrupts.off"),
                Arguments.of("wrong code selector", image64(), state(ok.rip(), 2, ok.gpr(), ok.cr0(), CR3,
                        ok.cr4(), ok.efer(), new Segment(0x08, 0, 0xFFFFFFFFL, 0x00cf9b00), ok.gdt().base()),
                        "cs.selector"),
                Arguments.of("paging on for a 32-bit entry", image32(), state(ok32.rip(), 2, ok32.gpr(),
                        0x80000011L, CR3, 0x20, 0x500, ok32.cs(), ok32.gdt().base()), "mode.protected32"),
                Arguments.of("kernel not mapped", new HandoverContract(Boundary.IMAGE_ENTRY_64, 0x200000,
                        List.of(new NamedRange("kernel", 5L << 30, 4096)), 0, List.of()), ok, "identity.ranges"),
                Arguments.of("wrong entry", image64(), state(0x200010, 2, ok.gpr(), ok.cr0(), CR3,
                        ok.cr4(), ok.efer(), ok.cs(), ok.gdt().base()), "entry.rip"),
                Arguments.of("stale register", image64(), with(ok, g -> g.with("r9", 7L)), "registers.zero"),
                Arguments.of("zero page not in rsi", linux64(), ok, "rsi.zero-page"));
    }

    @ParameterizedTest(name = "{0} fails {3}")
    @MethodSource("faults")
    void eachFaultFailsItsRule(String fault, HandoverContract contract, Registers state, String rule) {
        assertThat(failed(ContractChecker.check(contract, state, MEMORY))).contains(rule);
    }
}
