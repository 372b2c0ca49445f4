package dev.jkexec.machine.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.machine.guest.GuestInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/** Shared set-up for machine tests that boot real kernels under QEMU (TCG here). */
final class MachineFixture {
    /** Room for a TCG boot to init on a busy 2-core machine: typical is 3–6 s. */
    static final Duration BOOT = Duration.ofSeconds(90);
    static final String CONSOLE = "console=ttyS0,115200 earlycon=uart8250,io,0x3f8,115200 panic=-1";

    private MachineFixture() {
    }

    static Path cloud() {
        return GuestAssets.cloudKernel();
    }

    static Path generic() {
        return GuestAssets.genericKernel();
    }

    /** A small machine: 256 MiB guest, 160 MiB crash region, 128 MiB staging. */
    static MachineLayout small(int cpus) {
        return new MachineLayout(256L << 20, 160L << 20, 128L << 20, cpus);
    }

    static Machine start(MachineLayout layout, Path dumps) {
        return Machine.start(MachineOptions.builder().layout(layout).dumpDirectory(dumps).build());
    }

    private static final java.util.List<Path> TEMP = new java.util.concurrent.CopyOnWriteArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> TEMP.forEach(MachineFixture::deleteTree)));
    }

    /** A temporary directory (for cores), deleted with everything in it when the test JVM exits. */
    static Path tempDir() {
        try {
            Path d = Files.createTempDirectory("jkexec-test");
            TEMP.add(d);
            return d;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // best effort at exit
        }
    }

    /** Waits for the init marker of generation {@code gen} after console line {@code from}. */
    static ConsoleLine awaitReady(Machine m, String gen, long from) {
        ConsoleLine line = m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.READY) + " gen=" + gen + "\\b.*"),
                BOOT, from);
        assertThat(line.text()).contains("kernel=6.1.0-56");
        return line;
    }

    static ConsoleLine awaitBanner(Machine m, long from) {
        return m.console().awaitLine(Pattern.compile(".*Linux version 6\\.1\\.0-56.*"), BOOT, from);
    }
}
