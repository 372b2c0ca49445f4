package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.firmware.HandoverBlock;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.qemu.qmp.RunState;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU, TCG): the defined outcomes of guest-side events that are not plain crashes.
 */
@NeedsQemu
class GuestFaultsTest {
    /** A guest reboot is not a crash: no crash handling, the firmware finds no handover and halts. */
    @Test
    void aNormalGuestRebootHaltsInTheFirmware() throws Exception {
        try (Machine m = start(small(1), tempDir())) {
            CompletableFuture<MachineEvent> reset = new CompletableFuture<>();
            m.addListener(e -> {
                if (e instanceof MachineEvent.GuestReset || e instanceof MachineEvent.Crashed) {
                    reset.complete(e);
                }
            });
            m.load(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=crash").withType(ImageType.CRASH));
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1"));
            awaitReady(m, "1", from);
            m.console().send("reboot -f\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(reset.get(BOOT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(MachineEvent.GuestReset.class);
            // The firmware runs once more after the reset, finds no block and halts for good.
            awaitFirmware(m, HandoverBlock.Status.NO_HANDOVER);
            assertThat(HandoverBlock.runs(m.memory(), m.layout())).isEqualTo(2);
            assertThat(m.kexec().status(ImageType.CRASH)).as("the crash image is still loaded").isTrue();
            assertThat(m.qemu().status().state()).isEqualTo(RunState.RUNNING);
        }
    }

    /**
     * A panic that arrives while a load holds the machine waits for it, then goes to the crash
     * image that load left: here the load is the crash image itself, so nothing is lost.
     */
    @Test
    void aPanicDuringALoadIsHandledWhenTheLoadIsDone() throws Exception {
        try (Machine m = start(small(1), tempDir())) {
            CompletableFuture<Void> panicked = new CompletableFuture<>();
            CompletableFuture<CrashOutcome> crashed = new CompletableFuture<>();
            m.addListener(e -> {
                if (e instanceof MachineEvent.GuestPanicked) {
                    panicked.complete(null);
                } else if (e instanceof MachineEvent.Crashed c) {
                    crashed.complete(c.outcome());
                }
            });
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1 jkexec.marker=during-load"));
            awaitReady(m, "1", from);
            long mark = m.console().mark();
            synchronized (m) { // a load in progress: the machine is busy from here
                m.console().send("echo c > /proc/sysrq-trigger\n".getBytes(StandardCharsets.US_ASCII));
                panicked.get(BOOT.toSeconds(), TimeUnit.SECONDS);
                assertThat(crashed).isNotDone();
                m.load(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=crash").withType(ImageType.CRASH));
            }
            assertThat(crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(CrashOutcome.CrashKernel.class);
            m.console().awaitLine(Pattern.compile(".*vmcore mailbox JKEXEC-MARKER:during-load"), BOOT, mark);
        }
    }

    private static void awaitFirmware(Machine m, int status) throws InterruptedException {
        long deadline = System.nanoTime() + BOOT.toNanos();
        while (HandoverBlock.status(m.memory(), m.layout()) != status) {
            assertThat(System.nanoTime()).as("firmware status").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
