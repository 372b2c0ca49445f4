package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU, TCG): nothing is lost. A guest that damages the crash region before it
 * panics gets a host-side ELF core instead of a corrupt crash kernel (the crash region no longer
 * equals the copy of the image jkexec kept at load, and the region's SHA-256 no longer matches the
 * load digest); so does a guest that panics with no crash image loaded. The core is checked
 * with binutils' readelf and by finding the guest's marker in it.
 */
@NeedsQemu
class CrashIntegrityTest {
    /**
     * A rogue guest: it replaces its e820 by one that claims the crash region as RAM
     * ({@code memmap=exactmap}; jkexec's own pages above stay reserved so its PCI BARs still land
     * outside RAM), then fills memory. /dev/mem could not reach the region: Linux refuses
     * addresses above its top of RAM there.
     */
    @Test
    void aGuestThatOverwritesTheCrashRegionIsDumpedInstead() throws Exception {
        Path dumps = tempDir();
        dev.jkexec.machine.layout.MachineLayout layout = small(1);
        long k = 1024;
        String claim = String.format(" memmap=exactmap memmap=%dK@0 memmap=%dK@1024K memmap=%dK$%dK",
                dev.jkexec.machine.layout.MachineLayout.MAILBOX / k, (layout.hiddenBase() - (1 << 20)) / k,
                (layout.totalRam() - layout.hiddenBase()) / k, layout.hiddenBase() / k);
        try (Machine m = start(layout, dumps)) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            m.load(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=crash").withType(ImageType.CRASH));
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1 jkexec.marker=kept-1" + claim));
            awaitReady(m, "1", from);
            long mark = m.console().mark();
            m.console().send("dd if=/dev/zero of=/fill bs=1M count=170 2>/dev/null; echo c > /proc/sysrq-trigger\n"
                    .getBytes(StandardCharsets.US_ASCII));
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOfSatisfying(CrashOutcome.Dumped.class, d -> {
                assertThat(d.why()).startsWith("crash image damaged").contains("sha256");
                assertCore(d.core().file(), 1, "kept-1");
            });
            assertThat(m.console().lines().subList((int) mark, m.console().lines().size()))
                    .noneMatch(l -> l.text().contains("Linux version"));
            // Found at the firmware's gate, after the reset: the firmware halted without entering the image.
            assertThat(m.firmwareStatus()).isEqualTo("halted: image refused at the gate");
        }
    }

    @Test
    void aPanicWithNoCrashImageIsDumped() throws Exception {
        Path dumps = tempDir();
        try (Machine m = start(small(2), dumps)) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1 jkexec.marker=kept-2"));
            awaitReady(m, "1", from);
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes(StandardCharsets.US_ASCII));
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOfSatisfying(CrashOutcome.Dumped.class, d -> {
                assertThat(d.why()).isEqualTo("no crash image loaded");
                assertCore(d.core().file(), 2, "kept-2");
            });
        }
    }

    private static CompletableFuture<CrashOutcome> crashes(Machine m) {
        CompletableFuture<CrashOutcome> f = new CompletableFuture<>();
        m.addListener(e -> {
            if (e instanceof MachineEvent.Crashed c) {
                f.complete(c.outcome());
            } else if (e instanceof MachineEvent.CrashFailed x) {
                f.completeExceptionally(x.error());
            }
        });
        return f;
    }

    /** readelf reads the core; it has a note per vCPU and PT_LOADs; the marker is at the mailbox. */
    private static void assertCore(Path core, int cpus, String marker) {
        String headers = readelf("-h", "-l", "-n", core);
        assertThat(headers).contains("CORE (Core file)").contains("Advanced Micro Devices X86-64");
        assertThat(headers.split("NT_PRSTATUS", -1)).hasSize(cpus + 1);
        assertThat(headers).contains("LOAD");
        assertThat(readAt(core, 0x9F000, 64)).startsWith(GuestInit.MARKER_PREFIX + marker);
    }

    private static String readelf(String a, String b, String c, Path core) {
        try {
            Process p = new ProcessBuilder("readelf", a, b, c, core.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as(out).isZero();
            return out;
        } catch (IOException e) {
            throw new AssertionError("readelf (binutils) is needed to check the core: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The bytes of guest-physical {@code address} in the core, found through its program headers. */
    private static String readAt(Path core, long address, int length) {
        try (FileChannel ch = FileChannel.open(core)) {
            ByteBuffer h = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            long phoff = h.getLong(32);
            int phnum = Short.toUnsignedInt(h.getShort(56));
            for (int i = 0; i < phnum; i++) {
                ByteBuffer p = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
                ch.read(p, phoff + 56L * i);
                long paddr = p.getLong(24);
                if (p.getInt(0) == 1 && paddr <= address && address < paddr + p.getLong(32)) {
                    ByteBuffer d = ByteBuffer.allocate(length);
                    ch.read(d, p.getLong(8) + address - paddr);
                    return new String(d.array(), StandardCharsets.US_ASCII);
                }
            }
            throw new AssertionError("no PT_LOAD holds 0x" + Long.toHexString(address));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
