package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.guest.GuestImages;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.qemu.console.ConsoleLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU, TCG): a guest without a pvpanic module. jkexec says so when it loads it,
 * and still catches its panic — from the console's {@code Kernel panic -} line, and with
 * {@code panic=-1} also when the guest resets right after it — and enters the crash kernel, which
 * reads the old guest's memory.
 */
@NeedsQemu
class PanicFallbackTest {
    @Test
    void aPanicWithoutPvpanicIsCaughtFromTheConsole() throws Exception {
        Path dir = tempDir();
        Path bare = Files.createSymbolicLink(dir.resolve("vmlinuz-bare"), cloud()); // no modules beside it
        try (Machine m = start(small(1), dir)) {
            List<String> notices = new CopyOnWriteArrayList<>();
            CompletableFuture<CrashOutcome> crashed = new CompletableFuture<>();
            CompletableFuture<String> panicked = new CompletableFuture<>();
            m.addListener(e -> {
                switch (e) {
                    case MachineEvent.Notice n -> notices.add(n.text());
                    case MachineEvent.GuestPanicked p -> panicked.complete(p.how());
                    case MachineEvent.Crashed c -> crashed.complete(c.outcome());
                    case MachineEvent.GuestReset r -> crashed.completeExceptionally(new AssertionError("reported as a reboot: " + r));
                    default -> { }
                }
            });
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(bare, CONSOLE + " jkexec.gen=1 jkexec.marker=no-pvpanic-7"));
            assertThat(notices).singleElement().asString().startsWith(GuestImages.NO_PVPANIC);
            awaitReady(m, "1", from);
            assertThat(m.console().lines()).noneMatch(l -> l.index() >= from && l.text().contains("loaded 1-pvpanic.ko"));
            m.load(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=crash").withType(ImageType.CRASH));
            long mark = m.console().mark();
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            assertThat(panicked.get(BOOT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("console");
            assertThat(crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(CrashOutcome.CrashKernel.class);
            awaitReady(m, "crash", mark);
            ConsoleLine marker = m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.PREFIX) + "vmcore mailbox .*"),
                    BOOT, mark);
            assertThat(marker.text()).endsWith(GuestInit.MARKER_PREFIX + "no-pvpanic-7");
        }
    }
}
