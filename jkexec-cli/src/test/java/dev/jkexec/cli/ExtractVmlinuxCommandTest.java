package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@NeedsTestData
class ExtractVmlinuxCommandTest {
    @Test
    void writesTheDecompressedElf(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("vmlinux");
        Cli r = Cli.run("extract-vmlinux", GuestAssets.cloudKernel().toString(), out.toString());
        assertThat(r.status()).as(r.err()).isZero();
        byte[] v = Files.readAllBytes(out);
        assertThat(v).hasSize(0x32c6e34);
        assertThat(v).startsWith(0x7F, 'E', 'L', 'F', 2, 1, 1);
        assertThat(r.out()).contains("lz4 payload, 0x32c6e34 bytes", "ELF64 EM_X86_64, entry 0x1000000");
    }

    @Test
    void notABzImage(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("in");
        Files.write(in, new byte[0x300]);
        Cli r = Cli.run("extract-vmlinux", in.toString(), dir.resolve("out").toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("jkexec: setup_header.boot_flag: actual 0x0 != expected 0xaa55\n");
        assertThat(dir.resolve("out")).doesNotExist();
    }
}
