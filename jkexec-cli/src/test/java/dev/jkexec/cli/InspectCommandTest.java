package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsTestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@NeedsTestData
class InspectCommandTest {
    @Test
    void defaultsToTheGenericKernel() {
        Cli r = Cli.run("inspect");
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("format  bzImage", "protocol               2.15",
                "kernel_version         6.1.0-56-amd64 (debian-kernel@lists.debian.org)",
                "xloadflags             0x7f XLF_KERNEL_64 XLF_CAN_BE_LOADED_ABOVE_4G",
                "loadflags              0x1 LOADED_HIGH", "compression   xz");
        // every field with its offset, in a table
        assertThat(r.out()).containsPattern("0x230 +kernel_alignment +4 +0x200000 +2\\.05");
        assertThat(r.out()).containsPattern("0x260 +init_size +4 +0x3f98000 +2\\.10");
        assertThat(r.out()).containsPattern("0x268 +kernel_info_offset");
        assertThat(r.out()).doesNotContain("setup_move_size");
        // the vmlinux inside
        assertThat(r.out()).contains("decompressed_size  0x3eda7b4", "entry              0x1000000",
                "build_id           eb4fbcd037e7253717950bf2b93bd5566f47c56f", "XEN_ELFNOTE_PHYS32_ENTRY");
        assertThat(r.out()).containsPattern("PT_LOAD +0x200000 +0xffffffff81000000 +0x1000000");
        assertThat(r.err()).isEmpty();
    }

    @Test
    void json() throws IOException {
        Cli r = Cli.run("inspect", GuestAssets.cloudKernel().toString(), "--json");
        assertThat(r.status()).as(r.err()).isZero();
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertThat(j.get("format").asText()).isEqualTo("bzImage");
        assertThat(j.at("/bzimage/payload/compression").asText()).isEqualTo("lz4");
        assertThat(j.at("/bzimage/xloadflags/value").asInt()).isEqualTo(0x7f);
        assertThat(j.at("/bzimage/xloadflags/names/0").asText()).isEqualTo("XLF_KERNEL_64");
        assertThat(j.at("/bzimage/loadflags/names").toString()).contains("LOADED_HIGH");
        JsonNode fields = j.at("/bzimage/setup_header");
        JsonNode initSize = null;
        for (JsonNode f : fields) {
            if (f.get("field").asText().equals("init_size")) {
                initSize = f;
            }
        }
        assertThat(initSize).isNotNull();
        assertThat(initSize.get("value").asLong()).isEqualTo(0x3378000L);
        assertThat(initSize.get("offset").asLong()).isEqualTo(0x260);
        assertThat(j.at("/vmlinux/decompressed_size").asLong()).isEqualTo(0x32c6e34L);
        assertThat(j.at("/vmlinux/program_headers/0/vaddr").bigIntegerValue().toString(16)).isEqualTo("ffffffff81000000");
        assertThat(j.at("/vmlinux/machine").asText()).isEqualTo("EM_X86_64");
    }

    @Test
    void elfAndMultiboot(@TempDir Path dir) throws IOException {
        Path vmlinux = dir.resolve("vmlinux");
        assertThat(Cli.run("extract-vmlinux", GuestAssets.cloudKernel().toString(), vmlinux.toString()).status()).isZero();
        Cli r = Cli.run("inspect", vmlinux.toString());
        assertThat(r.status()).as(r.err()).isZero();
        assertThat(r.out()).contains("format  ELF", "NT_GNU_BUILD_ID").containsPattern("type +ET_EXEC");

        byte[] mb = new byte[4096];
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(mb).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x100, 0x1BADB002).putInt(0x104, 0x10003).putInt(0x108, -(0x1BADB002 + 0x10003))
                .putInt(0x10C, 0x100100).putInt(0x110, 0x100000).putInt(0x114, 0).putInt(0x118, 0).putInt(0x11C, 0x100200);
        Path mbFile = dir.resolve("mb");
        Files.write(mbFile, mb);
        Cli m = Cli.run("inspect", mbFile.toString());
        assertThat(m.status()).as(m.err()).isZero();
        assertThat(m.out()).contains("format  multiboot", "flags          0x10003 PAGE_ALIGN MEMORY_INFO ADDRESSES",
                "entry_addr     0x100200");
    }

    @Test
    void badInputPrintsOneLineAndExitsOne(@TempDir Path dir) throws IOException {
        Path cut = dir.resolve("cut");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(GuestAssets.genericKernel()), 0x230));
        Cli r = Cli.run("inspect", cut.toString());
        assertThat(r.status()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("jkexec: bzimage.length: 0x230 bytes ends inside the setup header, which ends at 0x26c\n");
        assertThat(r.out()).isEmpty();

        Path corrupt = dir.resolve("corrupt");
        byte[] k = Files.readAllBytes(GuestAssets.cloudKernel());
        Arrays.fill(k, 0x5000 + 0x2cc + 0x100000, 0x5000 + 0x2cc + 0x100100, (byte) 0x77);
        Files.write(corrupt, k);
        Cli c = Cli.run("inspect", corrupt.toString());
        assertThat(c.status()).isEqualTo(1);
        assertThat(c.err()).startsWith("jkexec: payload.").doesNotContain("\tat ").hasLineCount(1);

        Cli missing = Cli.run("inspect", dir.resolve("nope").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo("jkexec: image: " + dir.resolve("nope") + ": no such file\n");

        Path text = dir.resolve("text");
        Files.writeString(text, "hello");
        assertThat(Cli.run("inspect", text.toString()).err()).startsWith("jkexec: kernel.format: neither a bzImage");
    }
}
