package dev.jkexec.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files a user or a client names: regular files only, the size checked before reading, nothing of the contents in an error. */
@Pure
class InputFileTest {
    @TempDir
    Path dir;

    private static void refused(Path p, long limit, Errno errno, String message) {
        assertThatThrownBy(() -> InputFile.read(p, "load.kernel", limit)).isInstanceOfSatisfying(KexecException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.getMessage()).startsWith("load.kernel: " + p + ": " + message);
        });
    }

    @Test
    void readsARegularFile() throws Exception {
        Path f = Files.write(dir.resolve("k"), new byte[] {1, 2, 3});
        assertThat(InputFile.read(f, "kernel", 3)).containsExactly(1, 2, 3);
    }

    @Test
    void refusesDevicesFifosAndDirectoriesBeforeOpeningThem() throws Exception {
        refused(Path.of("/dev/zero"), 1L << 30, Errno.EINVAL, "not a regular file (a device, FIFO or socket)");
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        refused(fifo, 1L << 30, Errno.EINVAL, "not a regular file (a device, FIFO or socket)"); // never blocks on open
        refused(dir, 1L << 30, Errno.EINVAL, "not a regular file (a directory)");
        refused(dir.resolve("none"), 1L << 30, Errno.ENOENT, "no such file");
    }

    @Test
    void checksTheSizeBeforeReading() throws Exception {
        Path big = dir.resolve("big");
        try (var f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(3L << 30); // sparse: nothing is written, nothing may be read
        }
        refused(big, 1L << 30, Errno.EFBIG, "3221225472 bytes, above the limit of 1073741824");
    }

    @Test
    void neverQuotesTheContents() throws Exception {
        Path secret = Files.writeString(dir.resolve("shadow"), "root:SECRET-HASH:19000");
        assertThatThrownBy(() -> InputFile.read(secret, "kernel", 4)).hasMessageNotContaining("SECRET").hasMessageNotContaining("root:");
    }
}
