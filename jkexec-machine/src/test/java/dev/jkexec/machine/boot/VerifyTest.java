package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.contract.RuleResult;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.firmware.Fault;
import dev.jkexec.machine.verify.HandoverVerifier;
import dev.jkexec.platform.testing.NeedsQemu;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Machine tests (QEMU, TCG, gdbstub): the handover contract checked on the CPU at both boundaries
 * for every boot path, default and crash; and each deliberately broken handover fails the rule
 * named for it.
 */
@NeedsQemu
class VerifyTest {
    private static HandoverVerifier.Report verify(Set<Fault> faults, Path kernel, int entry, ImageType type) {
        MachineOptions o = MachineOptions.builder().layout(small(1)).dumpDirectory(tempDir()).faults(faults)
                .crashOnPanic(false).hardware(h -> h.gdbStub(true)).build();
        try (Machine m = Machine.start(o)) {
            return new HandoverVerifier(m, Duration.ofSeconds(90))
                    .verify(new KernelSpec(kernel, null, true, CONSOLE, entry, type), false);
        }
    }

    private static List<String> failed(HandoverVerifier.Report r) {
        return r.boundaries().stream().flatMap(b -> b.results().stream()).filter(x -> !x.pass()).map(RuleResult::rule).toList();
    }

    static Stream<Arguments> paths() {
        return Stream.of(
                Arguments.of("cloud, 64-bit, default", cloud(), 64, ImageType.DEFAULT),
                Arguments.of("cloud, 32-bit, default", cloud(), 32, ImageType.DEFAULT),
                Arguments.of("generic, 64-bit, default", generic(), 64, ImageType.DEFAULT),
                Arguments.of("generic, 32-bit, default", generic(), 32, ImageType.DEFAULT),
                Arguments.of("cloud, 64-bit, crash", cloud(), 64, ImageType.CRASH),
                Arguments.of("cloud, 32-bit, crash", cloud(), 32, ImageType.CRASH));
    }

    @ParameterizedTest(name = "{0}: every rule passes")
    @MethodSource("paths")
    void everyRulePassesAtBothBoundaries(String name, Path kernel, int entry, ImageType type) {
        HandoverVerifier.Report r = verify(Set.of(), kernel, entry, type);
        assertThat(r.boundaries()).hasSize(2);
        assertThat(r.boundaries().get(1).results()).extracting(RuleResult::rule)
                .contains(entry == 64 ? "rsi.zero-page" : "esi.zero-page", "zero-page.header", "zero-page.e820");
        assertThat(failed(r)).as(r.toString()).isEmpty();
    }

    static Stream<Arguments> breaks() {
        return Stream.of(
                Arguments.of("interrupts-on", 64, "interrupts.off"),
                Arguments.of("wrong-selector", 64, "cs.selector"),
                Arguments.of("paging-on-32", 32, "mode.protected32"),
                Arguments.of("zero-page-unmapped", 64, "identity.ranges"));
    }

    @ParameterizedTest(name = "{0} fails {2}")
    @MethodSource("breaks")
    void aBrokenHandoverFailsTheRuleNamedForIt(String fault, int entry, String rule) {
        HandoverVerifier.Report r = verify(Set.of(Fault.named(fault)), cloud(), entry, ImageType.DEFAULT);
        List<RuleResult> entryRules = r.boundaries().getFirst().results();
        assertThat(entryRules).filteredOn(x -> !x.pass()).extracting(RuleResult::rule).contains(rule);
        assertThat(r.passed()).isFalse();
    }
}
