package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.ImageType;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.firmware.HandoverBlock;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Machine tests (QEMU, TCG): every boot path of issue 4 on both Debian kernels, each waiting for
 * the banner and the init marker: the bzImage through the 64-bit entry (long mode) and the 32-bit
 * entry (protected mode, paging off: the kernel's startup_32 enables long mode itself), the
 * vmlinux the toolstack extracts entered directly at its ELF entry, a command line of exactly
 * cmdline_size bytes, and two vCPUs (the MADT jkexec writes).
 */
@NeedsQemu
class BootPathsTest {
    private static Path vmlinuxDir;

    @BeforeAll
    static void extract() throws IOException {
        vmlinuxDir = Files.createTempDirectory("jkexec-vmlinux");
        for (Path k : new Path[] {cloud(), generic()}) {
            BzImage bz = BzImage.parse(MemorySegment.ofArray(Files.readAllBytes(k)));
            Files.write(vmlinuxDir.resolve(k.getFileName() + ".elf"), bz.decompress());
            Files.copy(k.resolveSibling("pvpanic.ko"), vmlinuxDir.resolve("pvpanic.ko"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(k.resolveSibling("pvpanic-pci.ko"), vmlinuxDir.resolve("pvpanic-pci.ko"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @AfterAll
    static void clean() throws IOException {
        try (Stream<Path> s = Files.list(vmlinuxDir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(vmlinuxDir);
    }

    static Stream<Arguments> paths() {
        return Stream.of(
                Arguments.of("cloud bzImage, 32-bit entry", cloud(), 32),
                Arguments.of("generic bzImage, 64-bit entry", generic(), 64),
                Arguments.of("generic bzImage, 32-bit entry", generic(), 32),
                Arguments.of("cloud vmlinux, 64-bit entry", null, 64),
                Arguments.of("generic vmlinux, 64-bit entry", null, 64));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("paths")
    void boots(String name, Path kernel, int entry) {
        Path k = kernel != null ? kernel : vmlinuxDir.resolve((name.startsWith("cloud") ? cloud() : generic()).getFileName() + ".elf");
        try (Machine m = start(small(1), tempDir())) {
            long from = m.console().mark();
            m.boot(new KernelSpec(k, null, true, CONSOLE + " jkexec.gen=p", entry, ImageType.DEFAULT));
            awaitBanner(m, from);
            awaitReady(m, "p", from);
            assertThat(HandoverBlock.status(m.memory(), m.layout()))
                    .isEqualTo(entry == 32 ? HandoverBlock.Status.ENTERING_32 : HandoverBlock.Status.ENTERING_64);
        }
    }

    @Test
    void commandLineOfExactlyCmdlineSize() {
        String base = CONSOLE + " jkexec.gen=c jkexec.pad=";
        String append = base + "x".repeat(2047 - base.length());
        assertThat(append).hasSize(2047);
        try (Machine m = start(small(1), tempDir())) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), append));
            awaitReady(m, "c", from);
            long mark = m.console().mark();
            m.console().send("echo cmdline-bytes=$(wc -c < /proc/cmdline)\n".getBytes());
            m.console().awaitLine(Pattern.compile("cmdline-bytes=2048"), BOOT, mark); // 2047 + the newline procfs adds
        }
    }

    @ParameterizedTest(name = "two vCPUs, {0} kernel")
    @MethodSource("kernels")
    void twoVcpusAreBroughtUp(String name, Path kernel) {
        try (Machine m = start(small(2), tempDir())) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(kernel, CONSOLE + " jkexec.gen=smp"));
            m.console().awaitLine(Pattern.compile(".*smp: Brought up 1 node, 2 CPUs.*"), BOOT, from);
            // The HPET table (AcpiTables): the kernel maps the pc machine's HPET and so has a reference
            // for the TSC, which TCG's failed PIT calibration would otherwise leave unstable.
            m.console().awaitLine(Pattern.compile(".*hpet0: at MMIO 0xfed00000.*"), BOOT, from);
            awaitReady(m, "smp", from);
        }
    }

    static Stream<Arguments> kernels() {
        return Stream.of(Arguments.of("cloud", cloud()), Arguments.of("generic", generic()));
    }
}
