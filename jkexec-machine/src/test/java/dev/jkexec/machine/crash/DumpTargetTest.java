package dev.jkexec.machine.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import dev.jkexec.platform.testing.Pure;

/** A dump never clobbers: the file rules of {@link DumpTarget}, one case each. */
@Pure
class DumpTargetTest {
    Path dir;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("jkexec-dump-target");
    }

    @AfterEach
    void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void write(DumpTarget t, String text) throws IOException {
        t.channel().write(ByteBuffer.wrap(text.getBytes()));
    }

    private String[] names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void aCommittedDumpAppearsWholeAndLeavesNoPartialFile() throws IOException {
        try (DumpTarget t = DumpTarget.open(dir.resolve("core"), false)) {
            write(t, "abc");
            assertThat(names()).singleElement().satisfies(n -> assertThat(n).startsWith(".core.").endsWith(".partial"));
            t.commit();
        }
        assertThat(names()).containsExactly("core");
        assertThat(Files.readString(dir.resolve("core"))).isEqualTo("abc");
    }

    @Test
    void aFailedDumpLeavesNothing() throws IOException {
        try (DumpTarget t = DumpTarget.open(dir.resolve("core"), false)) {
            write(t, "half");
        }
        assertThat(names()).isEmpty();
    }

    @Test
    void anExistingFileIsReplacedOnlyWhenAsked() throws IOException {
        Files.writeString(dir.resolve("core"), "old");
        assertThatThrownBy(() -> DumpTarget.open(dir.resolve("core"), false))
                .isInstanceOf(DumpTarget.DumpException.class).hasMessageContaining("exists").hasMessageContaining("--force");
        assertThat(Files.readString(dir.resolve("core"))).isEqualTo("old");
        try (DumpTarget t = DumpTarget.open(dir.resolve("core"), true)) {
            write(t, "new");
            t.commit();
        }
        assertThat(Files.readString(dir.resolve("core"))).isEqualTo("new");
        assertThat(names()).containsExactly("core");
    }

    @Test
    void aDeviceNodeIsNeverWritten() throws IOException {
        PosixFileAttributes before = Files.readAttributes(Path.of("/dev/full"), PosixFileAttributes.class);
        for (boolean force : new boolean[] {false, true}) {
            assertThatThrownBy(() -> DumpTarget.open(Path.of("/dev/full"), force))
                    .hasMessageContaining("is not a regular file (a device, FIFO or socket)");
        }
        PosixFileAttributes after = Files.readAttributes(Path.of("/dev/full"), PosixFileAttributes.class);
        assertThat(after.isOther()).isTrue();
        assertThat(after.lastModifiedTime()).isEqualTo(before.lastModifiedTime());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void aFifoIsRefusedWithoutBeingOpened() throws Exception {
        Path fifo = dir.resolve("fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThatThrownBy(() -> DumpTarget.open(fifo, true)).hasMessageContaining("is not a regular file");
    }

    @Test
    void aSymbolicLinkIsNotFollowedOutOfTheDirectory() throws IOException {
        Path outside = Files.createTempFile("jkexec-outside", ".txt");
        try {
            Files.writeString(outside, "keep");
            Path link = Files.createSymbolicLink(dir.resolve("core"), outside);
            assertThatThrownBy(() -> DumpTarget.open(link, true)).hasMessageContaining("a symbolic link");
            assertThat(Files.readString(outside)).isEqualTo("keep");
        } finally {
            Files.deleteIfExists(outside);
        }
    }

    @Test
    void onlyPlainNamesInsideTheDirectory() {
        for (String bad : new String[] {"../x", "a/b", "..", ".", ""}) {
            assertThatThrownBy(() -> DumpTarget.open(dir, bad, false)).hasMessageContaining("not a plain file name");
        }
        assertThatThrownBy(() -> DumpTarget.open(dir.resolve("missing"), "core", false))
                .hasMessageContaining("dump directory").hasMessageContaining("missing");
    }
}
