package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.machine.guest.GuestInit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU, TCG): the crash path with a stock kernel and no {@code crashkernel=}. The
 * guest writes a marker into its memory and panics; pvpanic tells QEMU, jkexec captures the vCPUs,
 * verifies the crash image and hands over; the crash kernel finds the marker in /proc/vmcore.
 */
@NeedsQemu
class CrashTest {
    @Test
    void panicGoesToTheCrashKernelWhichReadsTheMarkerFromVmcore() throws Exception {
        try (Machine m = start(small(1), tempDir())) {
            CompletableFuture<CrashOutcome> crashed = new CompletableFuture<>();
            m.addListener(e -> {
                if (e instanceof MachineEvent.Crashed c) {
                    crashed.complete(c.outcome());
                }
            });
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1 jkexec.marker=m4rk3r-42"));
            awaitReady(m, "1", from);
            m.load(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=crash").withType(ImageType.CRASH));
            long mark = m.console().mark();
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(CrashOutcome.CrashKernel.class);
            awaitReady(m, "crash", mark);
            ConsoleLine marker = m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.PREFIX) + "vmcore mailbox .*"),
                    BOOT, mark);
            assertThat(marker.text()).endsWith(GuestInit.MARKER_PREFIX + "m4rk3r-42");
            ConsoleLine loads = m.console().awaitLine(Pattern.compile(".*vmcore PT_LOAD .*"), BOOT, mark);
            long ram = m.toolstack().oldRam().stream().mapToLong(r -> r.size()).sum();
            assertThat(loads.text()).endsWith(", " + ram + " bytes");
        }
    }
}
