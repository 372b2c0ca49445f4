package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.machine.scenario.Scenario;
import dev.jkexec.machine.scenario.ScenarioParser;
import dev.jkexec.machine.scenario.ScenarioRunner;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Machine tests (QEMU, TCG) on the kernels {@code scripts/kernels.sh} fetches from Debian 12's
 * archive (run by {@code ./run-tests}; a kernel not fetched is skipped with the command that
 * fetches it), beyond what {@link dev.jkexec.machine.matrix.CompatibilityMatrixTest} runs: the
 * 6.12 kernels load their {@code .ko.xz} pvpanic modules, and Xen 4.17 boots its dom0 step by step
 * ({@code docs/scenarios/xen-dom0.json}).
 */
@NeedsQemu
class FetchedKernelsTest {
    static Path fetched(String name) {
        var k = GuestAssets.fetched(name);
        assumeTrue(k.isPresent(), GuestAssets.fetchHint(name));
        return k.get();
    }

    static Pattern ready(String gen, String release) {
        return Pattern.compile(Pattern.quote(GuestInit.READY) + " gen=" + gen + " kernel=" + Pattern.quote(release));
    }

    @ParameterizedTest(name = "{0}: boots and loads pvpanic from .ko.xz")
    @ValueSource(strings = {GuestAssets.LINUX_6_12_CLOUD, GuestAssets.LINUX_6_12_GENERIC})
    void sixTwelveLoadsItsXzModules(String name) {
        Path kernel = fetched(name);
        String release = kernel.getFileName().toString().substring("vmlinuz-".length());
        try (Machine m = start(new MachineLayout(512L << 20, 0, 128L << 20, 1), tempDir())) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(kernel, CONSOLE + " jkexec.gen=1"));
            m.console().awaitLine(ready("1", release), BOOT.multipliedBy(2), from);
            assertThat(m.console().lines()).filteredOn(l -> l.index() >= from).extracting(l -> l.text())
                    .contains("jkexec-guest: loaded 1-pvpanic.ko", "jkexec-guest: loaded 2-pvpanic-pci.ko");
        }
    }

    @Test
    void xenBootsItsDom0() throws Exception {
        fetched(GuestAssets.XEN_4_17);
        Path file = Path.of(System.getProperty("jkexec.root", ".")).resolve("docs/scenarios/xen-dom0.json");
        Scenario s = ScenarioParser.parse(Files.readString(file), file.getParent());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ScenarioRunner.Result r = new ScenarioRunner(new PrintStream(log, true, StandardCharsets.UTF_8),
                o -> o.dumpDirectory(tempDir()), true).run(s);
        assertThat(r.passed()).as(log.toString(StandardCharsets.UTF_8)).isTrue();
    }
}
