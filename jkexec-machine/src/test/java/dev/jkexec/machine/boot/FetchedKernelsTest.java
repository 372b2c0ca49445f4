package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jkexec.core.MachineLayout;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.TestData;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.machine.scenario.Scenario;
import dev.jkexec.machine.scenario.ScenarioParser;
import dev.jkexec.machine.scenario.ScenarioRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Machine tests (QEMU, TCG) on the kernels {@code scripts/kernels.sh} fetches from Debian 12's
 * archive (run by {@code ./run-tests}; a kernel not fetched is skipped with the command that
 * fetches it): the 6.12 kernels (zstd payload with a 128 MiB window, {@code .ko.xz} modules)
 * boot and crash, the 686 kernel (EM_386) boots at 1 GiB through the 32- and 16-bit entries, and
 * Xen 4.17 boots its dom0 ({@code docs/scenarios/xen-dom0.json}).
 */
class FetchedKernelsTest {
    static Path fetched(String name) {
        var k = TestData.fetched(name);
        assumeTrue(k.isPresent(), TestData.fetchHint(name));
        return k.get();
    }

    static Pattern ready(String gen, String release) {
        return Pattern.compile(Pattern.quote(GuestInit.READY) + " gen=" + gen + " kernel=" + Pattern.quote(release));
    }

    @ParameterizedTest(name = "{0}: boot (pvpanic from .ko.xz), panic, crash kernel")
    @ValueSource(strings = {TestData.LINUX_6_12_CLOUD, TestData.LINUX_6_12_GENERIC})
    void sixTwelveBootsLoadsItsXzModulesAndCrashes(String name) throws Exception {
        Path kernel = fetched(name);
        String release = kernel.getFileName().toString().substring("vmlinuz-".length());
        try (Machine m = start(new MachineLayout(512L << 20, 256L << 20, 128L << 20, 1), tempDir())) {
            CompletableFuture<CrashOutcome> crashed = new CompletableFuture<>();
            m.addListener(e -> {
                if (e instanceof MachineEvent.Crashed c) {
                    crashed.complete(c.outcome());
                }
            });
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(kernel, CONSOLE + " jkexec.gen=1 jkexec.marker=six-twelve"));
            m.console().awaitLine(ready("1", release), BOOT.multipliedBy(2), from);
            assertThat(m.console().lines()).anyMatch(l -> l.index() >= from && l.text().contains("jkexec-guest: loaded 2-pvpanic-pci.ko"));
            m.load(KernelSpec.busybox(kernel, CONSOLE + " jkexec.gen=crash").withType(ImageType.CRASH));
            long mark = m.console().mark();
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            assertThat(crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(CrashOutcome.CrashKernel.class);
            m.console().awaitLine(ready("crash", release), BOOT.multipliedBy(2), mark);
            assertThat(m.console().awaitLine(Pattern.compile(".*vmcore mailbox .*"), BOOT, mark).text())
                    .endsWith(GuestInit.MARKER_PREFIX + "six-twelve");
        }
    }

    @ParameterizedTest(name = "686 at 1 GiB, {0}-bit entry")
    @ValueSource(ints = {32, 16})
    void the686KernelBootsAt1GiB(int entry) {
        Path kernel = fetched(TestData.LINUX_6_1_686);
        assumeTrue(TestData.busyboxI386().isPresent(), TestData.fetchHint(TestData.BUSYBOX_I386));
        String release = kernel.getFileName().toString().substring("vmlinuz-".length());
        try (Machine m = start(new MachineLayout(1L << 30, 0, 128L << 20, 1), tempDir())) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(kernel, CONSOLE + " jkexec.gen=686").withEntry(entry));
            m.console().awaitLine(ready("686", release), BOOT, from);
        }
    }

    @Test
    void xenBootsItsDom0() throws Exception {
        fetched(TestData.XEN_4_17);
        Path file = Path.of(System.getProperty("jkexec.root", ".")).resolve("docs/scenarios/xen-dom0.json");
        Scenario s = ScenarioParser.parse(Files.readString(file), file.getParent());
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ScenarioRunner.Result r = new ScenarioRunner(new PrintStream(log, true, StandardCharsets.UTF_8),
                o -> o.withDumpDirectory(tempDir()), true).run(s);
        assertThat(r.passed()).as(log.toString(StandardCharsets.UTF_8)).isTrue();
    }
}
