package dev.jkexec.core.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.contract.HandoverContract.Boundary;
import dev.jkexec.core.contract.HandoverContract.NamedRange;
import dev.jkexec.core.handover.EntryGdt;
import dev.jkexec.core.handover.IdentityMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    private static Map<String, Long> zeroGprs(long rsp) {
        Map<String, Long> g = new HashMap<>();
        for (String r : new String[] {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8", "r9", "r10", "r11",
            "r12", "r13", "r14", "r15"}) {
            g.put(r, 0L);
        }
        g.put("rsp", rsp);
        return g;
    }

    private static Map<String, SegmentCache> segments(long codeFlags) {
        SegmentCache data = new SegmentCache(0x18, 0, 0xFFFFFFFFL, 0x00cf9300);
        return Map.of("CS", new SegmentCache(0x10, 0, 0xFFFFFFFFL, codeFlags), "DS", data, "ES", data, "SS", data,
                "FS", data, "GS", data);
    }

    /** What the firmware documents at a 64-bit image entry. */
    static CpuSnapshot firmware64() {
        return new CpuSnapshot(0x200000, 0x2, zeroGprs(STACK_TOP), 0x80000011L, 0, CR3, 0x20, 0x500,
                segments(0x00af9b00), ENTRY_GDT, 31, 0, 0);
    }

    /** What the firmware documents at a 32-bit image entry. */
    static CpuSnapshot firmware32() {
        return new CpuSnapshot(0x200000, 0x2, zeroGprs(STACK_TOP), 0x11, 0, 0, 0, 0,
                segments(0x00cf9b00), ENTRY_GDT + EntryGdt.GDT32_OFFSET, 31, 0, 0);
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

    private static CpuSnapshot with(CpuSnapshot s, UnaryOperator<Map<String, Long>> gprs) {
        return new CpuSnapshot(s.rip(), s.rflags(), gprs.apply(new HashMap<>(s.gprs())), s.cr0(), s.cr2(), s.cr3(),
                s.cr4(), s.efer(), s.segments(), s.gdtBase(), s.gdtLimit(), s.idtBase(), s.idtLimit());
    }

    private static List<String> failed(List<RuleResult> results) {
        return results.stream().filter(r -> !r.pass()).map(RuleResult::rule).toList();
    }

    @Test
    void theFirmwaresDocumentedStatesPassEveryRule() {
        assertThat(failed(ContractChecker.check(image64(), firmware64(), MEMORY))).isEmpty();
        assertThat(failed(ContractChecker.check(image32(), firmware32(), MEMORY))).isEmpty();
        CpuSnapshot kernel = with(firmware64(), g -> {
            g.put("rsi", ZERO_PAGE);
            return g;
        });
        assertThat(failed(ContractChecker.check(linux64(), kernel, MEMORY))).isEmpty();
        assertThat(ContractChecker.check(linux64(), kernel, MEMORY)).extracting(RuleResult::rule)
                .contains("rsi.zero-page", "zero-page.header", "zero-page.cmdline", "zero-page.e820", "identity.ranges");
    }

    static Stream<Arguments> faults() {
        CpuSnapshot ok = firmware64();
        CpuSnapshot ok32 = firmware32();
        return Stream.of(
                Arguments.of("interrupts on", image64(), new CpuSnapshot(ok.rip(), 0x202, ok.gprs(), ok.cr0(), 0, CR3,
                        ok.cr4(), ok.efer(), ok.segments(), ok.gdtBase(), 31, 0, 0), "interrupts.off"),
                Arguments.of("wrong code selector", image64(), new CpuSnapshot(ok.rip(), 2, ok.gprs(), ok.cr0(), 0, CR3,
                        ok.cr4(), ok.efer(), Map.of("CS", new SegmentCache(0x08, 0, 0xFFFFFFFFL, 0x00cf9b00),
                        "DS", ok.segment("DS"), "ES", ok.segment("ES"), "SS", ok.segment("SS")), ok.gdtBase(), 31, 0, 0),
                        "cs.selector"),
                Arguments.of("paging on for a 32-bit entry", image32(), new CpuSnapshot(ok32.rip(), 2, ok32.gprs(),
                        0x80000011L, 0, CR3, 0x20, 0x500, ok32.segments(), ok32.gdtBase(), 31, 0, 0), "mode.protected32"),
                Arguments.of("kernel not mapped", new HandoverContract(Boundary.IMAGE_ENTRY_64, 0x200000,
                        List.of(new NamedRange("kernel", 5L << 30, 4096)), 0, List.of()), ok, "identity.ranges"),
                Arguments.of("wrong entry", image64(), new CpuSnapshot(0x200010, 2, ok.gprs(), ok.cr0(), 0, CR3,
                        ok.cr4(), ok.efer(), ok.segments(), ok.gdtBase(), 31, 0, 0), "entry.rip"),
                Arguments.of("stale register", image64(), with(ok, g -> {
                    g.put("r9", 7L);
                    return g;
                }), "registers.zero"),
                Arguments.of("zero page not in rsi", linux64(), ok, "rsi.zero-page"));
    }

    @ParameterizedTest(name = "{0} fails {3}")
    @MethodSource("faults")
    void eachFaultFailsItsRule(String fault, HandoverContract contract, CpuSnapshot state, String rule) {
        assertThat(failed(ContractChecker.check(contract, state, MEMORY))).contains(rule);
    }
}
