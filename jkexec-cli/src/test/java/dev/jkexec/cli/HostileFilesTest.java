package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: {@code /dev/zero}, {@code /dev/urandom}, a FIFO, a directory, a missing file and a
 * NUL in a path, given as kernel or initrd to every command that reads one ({@code plan},
 * {@code inspect}, {@code abi decode}, {@code extract-vmlinux}, {@code run}): each is one line
 * {@code jkexec: <field>: <path>: <reason>} and exit 1 (a NUL: a usage error, exit 2), with no
 * memory spent, no hang, and no QEMU started ({@code run} checks its files first).
 */
@Pure
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HostileFilesTest {
    @TempDir
    Path dir;
    Path fifo;
    Path kernel;

    @BeforeEach
    void files() throws Exception {
        fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        kernel = Files.write(dir.resolve("small-file"), new byte[4096]);
    }

    /** Each hostile file with the reason jkexec gives for it. */
    private List<String[]> hostile() {
        return List.of(
                new String[] {"/dev/zero", "a character device, not a regular file"},
                new String[] {"/dev/urandom", "a character device, not a regular file"},
                new String[] {fifo.toString(), "a FIFO, not a regular file"},
                new String[] {dir.toString(), "a directory, not a regular file"},
                new String[] {"/nonexistent", "no such file"});
    }

    /** {@code command}, with {@code FILE} replaced by the hostile path: the field and reason it must give. */
    private record Case(String field, String... args) {
    }

    private List<Case> cases() {
        return List.of(
                new Case("kernel", "plan", "--kernel", "FILE"),
                new Case("initrd", "plan", "--kernel", kernel.toString(), "--initrd", "FILE"),
                new Case("module", "plan", "--kernel", kernel.toString(), "--module", "FILE args"),
                new Case("image", "inspect", "FILE"),
                new Case("request", "abi", "decode", "FILE"),
                new Case("bzImage", "extract-vmlinux", "FILE", dir.resolve("out").toString()),
                new Case("kernel", "run", "--kernel", "FILE", "--timeout", "5"),
                new Case("initrd", "run", "--kernel", kernel.toString(), "--initrd", "FILE", "--timeout", "5"),
                new Case("crash-kernel", "run", "--kernel", kernel.toString(), "--crash-kernel", "FILE", "--timeout", "5"));
    }

    @Test
    void every_command_refuses_devices_fifos_directories_and_missing_files_in_one_line() {
        for (Case c : cases()) {
            for (String[] h : hostile()) {
                List<String> args = new ArrayList<>();
                for (String a : c.args()) {
                    args.add(a.replace("FILE", h[0]));
                }
                Cli r = Cli.run(args.toArray(String[]::new));
                assertThat(r.err()).as(String.join(" ", args))
                        .isEqualTo("jkexec: " + c.field() + ": " + h[0] + ": " + h[1] + System.lineSeparator());
                assertThat(r.status()).as(String.join(" ", args)).isEqualTo(1);
                assertThat(dir.resolve("out")).doesNotExist();
            }
        }
    }

    @Test
    void a_nul_in_a_path_is_a_one_line_usage_error_naming_the_option() {
        for (Case c : cases()) {
            List<String> args = new ArrayList<>();
            for (String a : c.args()) {
                args.add(a.replace("FILE", "/tmp/a\u0000b"));
            }
            Cli r = Cli.run(args.toArray(String[]::new));
            assertThat(r.err().lines()).as(String.join(" ", args)).hasSize(1);
            assertThat(r.err()).as(String.join(" ", args)).startsWith("jkexec: ").contains("not a path (Nul character not allowed)", "/tmp/a\\x00b")
                    .doesNotContain("internal error", "Exception");
            assertThat(r.status()).as(String.join(" ", args)).isIn(1, 2);
        }
    }

    @Test
    void a_file_larger_than_the_guest_ram_is_refused_before_reading() throws Exception {
        Path big = dir.resolve("big");
        try (var f = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            f.write(java.nio.ByteBuffer.allocate(1), (64L << 20) + 1); // sparse: 64 MiB + 2 bytes
        }
        Cli r = Cli.run("plan", "--kernel", big.toString(), "--ram", "64M");
        assertThat(r.err()).isEqualTo("jkexec: kernel: " + big + ": 67108866 bytes (64.0 MiB), above the guest's RAM, 64 MiB"
                + System.lineSeparator());
        Cli i = Cli.run("plan", "--kernel", kernel.toString(), "--initrd", big.toString(), "--ram", "64M");
        assertThat(i.err()).isEqualTo("jkexec: initrd: " + big + ": 67108866 bytes (64.0 MiB), above the guest's RAM minus the kernel, "
                + "65532 KiB" + System.lineSeparator());
    }
}
