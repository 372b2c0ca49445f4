package dev.jkexec.machine.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.testing.Pure;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Modules as distributions ship them: found where users keep them, opened whatever their compression. */
@Pure
class KernelModulesTest {
    static final byte[] ELF = "\u007fELF a kernel module".getBytes();

    @TempDir
    Path root;

    static byte[] xz(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream o = new XZOutputStream(b, new LZMA2Options(1))) {
            o.write(data);
        }
        return b.toByteArray();
    }

    static byte[] zst(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream o = new com.github.luben.zstd.ZstdOutputStreamNoFinalizer(b).setChecksum(true)) {
            o.write(data);
        }
        return b.toByteArray();
    }

    static byte[] gz(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(b)) {
            o.write(data);
        }
        return b.toByteArray();
    }

    @Test
    void aPackageTreeLikeDebiansIsSearchedUnderLibModulesOfTheRelease() throws IOException {
        Path boot = Files.createDirectories(root.resolve("boot"));
        Path kernel = Files.write(boot.resolve("vmlinuz-6.12.1-amd64"), new byte[1]);
        Path misc = Files.createDirectories(root.resolve("lib/modules/6.12.1-amd64/kernel/drivers/misc/pvpanic"));
        Files.write(misc.resolve("pvpanic.ko.xz"), xz(ELF));
        Files.write(misc.resolve("pvpanic-pci.ko.zst"), zst(ELF));
        Files.createDirectories(root.resolve("lib/modules/6.9.9-other"));
        Files.write(root.resolve("lib/modules/6.9.9-other/pvpanic.ko"), "wrong".getBytes());
        KernelModules m = KernelModules.forKernel(kernel, "6.12.1-amd64", null);
        assertThat(m.find("pvpanic").orElseThrow().elf()).isEqualTo(ELF);
        assertThat(m.find("pvpanic-pci").orElseThrow().source().getFileName().toString()).isEqualTo("pvpanic-pci.ko.zst");
        assertThat(m.find("pvpanic-pci").orElseThrow().elf()).isEqualTo(ELF);
        assertThat(m.find("pvpanic-mmio")).isEmpty();
    }

    @Test
    void besideTheKernelFirstThenTheOptionsDirectoryWins() throws IOException {
        Path kernel = Files.write(root.resolve("vmlinuz"), new byte[1]);
        Files.write(root.resolve("pvpanic.ko"), ELF);
        Path dir = Files.createDirectories(root.resolve("mods/deep/er"));
        Files.write(dir.resolve("pvpanic.ko.gz"), gz("from the option".getBytes()));
        assertThat(KernelModules.forKernel(kernel, null, null).find("pvpanic").orElseThrow().elf()).isEqualTo(ELF);
        assertThat(new String(KernelModules.forKernel(kernel, null, root.resolve("mods")).find("pvpanic").orElseThrow().elf()))
                .isEqualTo("from the option");
        assertThatThrownBy(() -> KernelModules.forKernel(kernel, null, root.resolve("nowhere")))
                .isInstanceOf(JkexecException.class).hasMessageContaining("--modules-dir");
    }

    @Test
    void aDamagedModuleSaysWhichAndHow() throws IOException {
        Path kernel = Files.write(root.resolve("vmlinuz"), new byte[1]);
        byte[] broken = xz(ELF);
        broken[broken.length / 2] ^= 0x55;
        Files.write(root.resolve("pvpanic.ko.xz"), broken);
        assertThatThrownBy(() -> KernelModules.forKernel(kernel, null, null).find("pvpanic"))
                .isInstanceOf(JkexecException.class).hasMessageContaining("pvpanic.ko.xz").hasMessageContaining("damaged xz data");
    }
}
