package dev.jkexec.bench.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.initramfs.Initramfs;
import dev.jkexec.platform.testing.Pure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioArchiveEntry;
import org.apache.commons.compress.archivers.cpio.CpioArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guest side of the benchmark: ldd parsing, the A and A+B archives, the /init script. */
@Pure
class GuestFilesTest {
    @Test
    void lddOutputGivesLibrariesAndTheLoader() {
        String out = """
                \tlinux-vdso.so.1 (0x00007ffd5b9f2000)
                \tlibxenctrl.so.4.17 => /tmp/x/xen/usr/lib/x86_64-linux-gnu/libxenctrl.so.4.17 (0x00007f1e2a000000)
                \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1e29e00000)
                \t/lib64/ld-linux-x86-64.so.2 (0x00007f1e2a1f0000)
                """;
        List<Path> libs = LddOutput.libraries(out);
        assertThat(libs).containsExactly(Path.of("/tmp/x/xen/usr/lib/x86_64-linux-gnu/libxenctrl.so.4.17"),
                Path.of("/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/lib64/ld-linux-x86-64.so.2"));
        assertThat(LddOutput.guestPath(libs.get(0))).isEqualTo("/lib/x86_64-linux-gnu/libxenctrl.so.4.17");
        assertThat(LddOutput.guestPath(libs.get(2))).isEqualTo("/lib64/ld-linux-x86-64.so.2");
        assertThatThrownBy(() -> LddOutput.libraries("\tlibfoo.so => not found\n")).hasMessageContaining("not found");
    }

    @Test
    void archiveAHoldsEverythingTheInitNeeds(@TempDir Path dir) throws IOException {
        Path busybox = Files.writeString(dir.resolve("busybox"), "bb");
        Path kexec = Files.writeString(dir.resolve("kexec"), "kx");
        Path lib = Files.writeString(dir.resolve("libc.so.6"), "libc");
        Path kernel = Files.writeString(dir.resolve("vmlinuz"), "kernel");
        Path ko = Files.writeString(dir.resolve("pvpanic.ko"), "ko");
        byte[] a = BenchInitramfs.buildA(busybox, kexec, List.of(lib), kernel, List.of(ko));
        List<String> names = names(new GZIPInputStream(new ByteArrayInputStream(a)).readAllBytes());
        assertThat(names).contains("init", "bin/busybox", "bin/sh", "sbin/kexec", "lib/x86_64-linux-gnu/libc.so.6",
                "boot/vmlinuz", "lib/modules/1-pvpanic.ko", "dev/console");
    }

    @Test
    void archiveABIsAPaddedThenACpioHoldingA() throws IOException {
        byte[] a = Initramfs.create().file("/x", 0644, "hello").build(true);
        byte[] ab = BenchInitramfs.withNextInitrd(a);
        int padded = a.length + BenchInitramfs.padding(a.length);
        assertThat(padded % 512).isZero();
        assertThat(java.util.Arrays.copyOf(ab, a.length)).isEqualTo(a);
        for (int i = a.length; i < padded; i++) {
            assertThat(ab[i]).isZero();
        }
        byte[] b = java.util.Arrays.copyOfRange(ab, padded, ab.length);
        try (CpioArchiveInputStream in = new CpioArchiveInputStream(new ByteArrayInputStream(b))) {
            CpioArchiveEntry e;
            byte[] content = null;
            while ((e = in.getNextCPIOEntry()) != null) {
                if (e.getName().equals("pb/initrd.img")) {
                    content = in.readAllBytes();
                }
            }
            assertThat(content).isEqualTo(a);
        }
        assertThat(BenchInitramfs.padding(512)).isZero();
        assertThat(BenchInitramfs.padding(513)).isEqualTo(511);
    }

    @Test
    void initScriptIsValidShellWithEveryMode() throws Exception {
        String script = BenchInit.script();
        assertThat(script).startsWith("#!/bin/sh").contains("ready)", "stay)", "kexec)", "crash)", "jkcrash)", "vmcore)", "load)")
                .contains("while [ $i -le " + BenchInit.LOADS + " ]", "LOADS-DONE").doesNotContain("@LOADS@");
        Process p = new ProcessBuilder("sh", "-n").redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes());
        p.getOutputStream().close();
        String err = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(err).isZero();
    }

    private static List<String> names(byte[] cpio) throws IOException {
        List<String> names = new ArrayList<>();
        try (CpioArchiveInputStream in = new CpioArchiveInputStream(new ByteArrayInputStream(cpio))) {
            CpioArchiveEntry e;
            while ((e = in.getNextCPIOEntry()) != null) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
