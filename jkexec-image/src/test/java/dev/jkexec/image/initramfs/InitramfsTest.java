package dev.jkexec.image.initramfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.cpio.CpioConstants;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Pure
class InitramfsTest {
    static Initramfs sample(Path fromDisk) {
        return Initramfs.create()
                .dir("/etc")
                .file("/etc/motd", 0644, "hello\n")
                .file("/usr/bin/tool", 0755, fromDisk)
                .consoleDevices()
                .blockDevice("/dev/vda", 0660, 254, 0)
                .symlink("/bin/sh", "busybox");
    }

    @Test
    void readsBackWithCommonsCompress(@TempDir Path dir) throws IOException {
        Path tool = dir.resolve("tool");
        Files.write(tool, new byte[] {1, 2, 3, 4, 5});
        for (boolean gzip : new boolean[] {false, true}) {
            byte[] archive = sample(tool).build(gzip);
            Map<String, CpioReader.Member> m = CpioReader.read(archive, gzip);
            assertThat(m.keySet()).containsExactly("etc", "etc/motd", "usr", "usr/bin", "usr/bin/tool", "dev",
                    "dev/console", "dev/null", "dev/ttyS0", "dev/vda", "bin", "bin/sh");
            assertThat(m.get("etc").entry().getMode()).isEqualTo(CpioConstants.C_ISDIR | 0755);
            assertThat(m.get("etc").entry().getNumberOfLinks()).isEqualTo(2);
            assertThat(m.get("etc/motd").entry().getMode()).isEqualTo(CpioConstants.C_ISREG | 0644);
            assertThat(new String(m.get("etc/motd").data(), StandardCharsets.UTF_8)).isEqualTo("hello\n");
            assertThat(m.get("usr/bin/tool").data()).containsExactly(1, 2, 3, 4, 5);
            assertThat(m.get("usr/bin/tool").entry().getMode()).isEqualTo(CpioConstants.C_ISREG | 0755);
            CpioReader.Member console = m.get("dev/console");
            assertThat(console.entry().isCharacterDevice()).isTrue();
            assertThat(console.entry().getRemoteDeviceMaj()).isEqualTo(5);
            assertThat(console.entry().getRemoteDeviceMin()).isEqualTo(1);
            assertThat(m.get("dev/null").entry().getRemoteDeviceMaj()).isEqualTo(1);
            assertThat(m.get("dev/null").entry().getRemoteDeviceMin()).isEqualTo(3);
            assertThat(m.get("dev/ttyS0").entry().getRemoteDeviceMaj()).isEqualTo(4);
            assertThat(m.get("dev/ttyS0").entry().getRemoteDeviceMin()).isEqualTo(64);
            assertThat(m.get("dev/vda").entry().isBlockDevice()).isTrue();
            assertThat(m.get("bin/sh").entry().isSymbolicLink()).isTrue();
            assertThat(new String(m.get("bin/sh").data(), StandardCharsets.US_ASCII)).isEqualTo("busybox");
            assertThat(m.values()).allMatch(x -> x.entry().getUID() == 0 && x.entry().getGID() == 0 && x.entry().getTime() == 0);
            assertThat(m.values().stream().map(x -> x.entry().getInode()).distinct().count()).isEqualTo(m.size());
            byte[] raw = gzip ? new GZIPInputStream(new ByteArrayInputStream(archive)).readAllBytes() : archive;
            String text = new String(raw, StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("070701");
            assertThat(text).contains("TRAILER!!!");
            assertThat(text.lastIndexOf("TRAILER!!!")).isGreaterThan(text.lastIndexOf("busybox"));
            assertThat(raw.length % 4).isZero();
        }
    }

    @Test
    void reproducible(@TempDir Path dir) throws IOException {
        Path tool = dir.resolve("tool");
        Files.write(tool, new byte[] {7});
        assertThat(sample(tool).build(true)).isEqualTo(sample(tool).build(true));
    }

    @Test
    void badPaths() {
        assertThatThrownBy(() -> Initramfs.create().file("/a/../b", 0644, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Initramfs.create().dir("/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Initramfs.create().file("/a", 0644, "x").file("/a", 0644, "y")).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> Initramfs.create().file("/a", 0644, "x").file("/a/b", 0644, "y")).hasMessageContaining("not a directory");
    }
}
