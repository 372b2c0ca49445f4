package dev.jkexec.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Each rule of {@link InputFile}, one by one: what is refused, by name, and what is read. */
@Pure
class InputFileTest {
    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    @Test
    void reads_a_regular_file_and_a_symlink_to_one() throws Exception {
        Path f = Files.write(dir.resolve("k"), new byte[] {1, 2, 3});
        Path link = Files.createSymbolicLink(dir.resolve("link"), f);
        assertThat(new InputFile("kernel", f).read(GIB, "the guest's RAM")).containsExactly(1, 2, 3);
        assertThat(new InputFile("kernel", link).read(GIB, "the guest's RAM")).containsExactly(1, 2, 3);
        assertThat(new InputFile("kernel", f).size(GIB, "the guest's RAM")).isEqualTo(3);
    }

    @Test
    void dev_zero_and_dev_urandom_are_refused_as_devices_before_reading() {
        for (String dev : new String[] {"/dev/zero", "/dev/urandom"}) {
            assertThatThrownBy(() -> InputFile.of("kernel", dev).read(GIB, "the guest's RAM"))
                    .isInstanceOf(InputFileException.class)
                    .hasMessage("kernel: " + dev + ": a character device, not a regular file");
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void a_fifo_is_refused_without_opening_it() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process p = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertThat(p.waitFor()).isZero();
        assertThatThrownBy(() -> new InputFile("initrd", fifo).read(GIB, "the guest's RAM"))
                .hasMessage("initrd: " + fifo + ": a FIFO, not a regular file");
    }

    @Test
    void a_directory_and_a_socket_are_refused_by_name() throws Exception {
        assertThatThrownBy(() -> new InputFile("kernel", dir).read(GIB, "the guest's RAM"))
                .hasMessage("kernel: " + dir + ": a directory, not a regular file");
        Path sock = dir.resolve("s.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(sock));
            assertThatThrownBy(() -> new InputFile("kernel", sock).read(GIB, "the guest's RAM"))
                    .hasMessage("kernel: " + sock + ": a socket, not a regular file");
        }
    }

    @Test
    void a_missing_file_and_a_missing_directory_say_so() {
        assertThatThrownBy(() -> InputFile.of("kernel", "/nonexistent").read(GIB, "the guest's RAM"))
                .isInstanceOf(InputFileException.class)
                .hasMessage("kernel: /nonexistent: no such file")
                .satisfies(e -> {
                    InputFileException f = (InputFileException) e;
                    assertThat(f.field()).isEqualTo("kernel");
                    assertThat(f.path()).isEqualTo("/nonexistent");
                    assertThat(f.reason()).isEqualTo("no such file");
                });
        Path plain = dir.resolve("plain");
        assertThatThrownBy(() -> {
            Files.writeString(plain, "x");
            new InputFile("kernel", plain.resolve("below")).read(GIB, "the guest's RAM");
        }).hasMessage("kernel: " + plain.resolve("below") + ": no such file");
    }

    @Test
    void a_nul_in_a_path_is_an_error_naming_the_field() {
        assertThatThrownBy(() -> InputFile.of("initrd", "/tmp/a\u0000b"))
                .isInstanceOf(InputFileException.class)
                .hasMessage("initrd: /tmp/a\\x00b: not a path (Nul character not allowed)");
    }

    @Test
    void the_size_is_checked_against_the_limit_before_reading() throws Exception {
        Path f = Files.write(dir.resolve("big"), new byte[4097]);
        assertThatThrownBy(() -> new InputFile("initrd", f).read(4096, "the guest's RAM minus the kernel"))
                .hasMessage("initrd: " + f + ": 4097 bytes, above the guest's RAM minus the kernel, 4 KiB");
        assertThat(new InputFile("initrd", f).read(4097, "x")).hasSize(4097);
    }

    @Test
    void an_unreadable_file_is_permission_denied() throws Exception {
        Path f = Files.write(dir.resolve("secret"), new byte[1]);
        Files.setPosixFilePermissions(f, java.util.Set.of());
        if (Files.isReadable(f)) {
            return; // root reads everything: nothing to check here
        }
        assertThatThrownBy(() -> new InputFile("kernel", f).read(GIB, "x")).hasMessage("kernel: " + f + ": permission denied");
    }

    @Test
    void text_is_strict_utf8_with_the_offset_of_the_bad_byte() throws Exception {
        Path ok = Files.writeString(dir.resolve("ok.json"), "{\"ü\": 1}");
        assertThat(new InputFile("scenario", ok).readUtf8(1 << 20, "x")).isEqualTo("{\"ü\": 1}");
        Path bad = Files.write(dir.resolve("bad.json"), "{\"a\": \"\u00ff".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> new InputFile("scenario", bad).readUtf8(1 << 20, "x"))
                .hasMessage("scenario: " + bad + ": invalid UTF-8 at byte 7 (0xff)");
    }

    @Test
    void maps_a_regular_file_with_the_checks_of_read() throws Exception {
        Path f = Files.write(dir.resolve("k"), new byte[] {4, 5, 6});
        MemorySegment m = new InputFile("kernel", f).map(GIB, "the guest's RAM");
        assertThat(m.isMapped()).isTrue();
        assertThat(m.toArray(ValueLayout.JAVA_BYTE)).containsExactly(4, 5, 6);
        assertThat(m.isReadOnly()).isTrue();
        assertThat(new InputFile("kernel", Files.write(dir.resolve("empty"), new byte[0])).map(GIB, "x").byteSize()).isZero();
        assertThatThrownBy(() -> InputFile.of("kernel", "/dev/zero").map(GIB, "the guest's RAM"))
                .hasMessage("kernel: /dev/zero: a character device, not a regular file");
        assertThatThrownBy(() -> new InputFile("initrd", f).map(2, "the guest's RAM minus the kernel"))
                .hasMessage("initrd: " + f + ": 3 bytes, above the guest's RAM minus the kernel, 2 bytes");
        assertThatThrownBy(() -> new InputFile("kernel", dir.resolve("none")).map(GIB, "x"))
                .hasMessage("kernel: " + dir.resolve("none") + ": no such file");
    }

    @Test
    void a_mapping_read_after_its_file_shrank_faults_and_is_named_as_the_file_changed() throws Exception {
        Path f = Files.write(dir.resolve("k"), new byte[3 * 4096]);
        InputFile file = new InputFile("kernel", f);
        MemorySegment m = file.map(GIB, "the guest's RAM");
        Files.write(f, new byte[0]);
        InternalError fault = org.assertj.core.api.Assertions.catchThrowableOfType(InternalError.class,
                () -> m.get(ValueLayout.JAVA_BYTE, 2 * 4096));
        assertThat(fault).isNotNull();
        assertThat(file.changedUnder(fault))
                .hasMessageStartingWith("kernel: " + f + ": the file shrank while jkexec read it (")
                .hasCause(fault);
    }
    @Test
    void a_mapping_is_found_again_from_a_slice_and_a_change_of_its_file_is_named() throws Exception {
        Path f = Files.write(dir.resolve("k"), new byte[3 * 4096]);
        MemorySegment m = new InputFile("initrd", f).map(GIB, "the guest's RAM");
        MemorySegment slice = m.asSlice(4096, 4096).asReadOnly();
        assertThat(MappedFiles.changed(slice)).isEmpty();
        assertThat(MappedFiles.changed(MemorySegment.ofArray(new byte[8]), null)).isEmpty();

        Files.write(f, new byte[3 * 4096], java.nio.file.StandardOpenOption.WRITE); // in place, same size
        Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(Files.getLastModifiedTime(f).toMillis() + 3_600_000));

        assertThat(MappedFiles.changed(MemorySegment.ofArray(new byte[8]), slice)).get()
                .satisfies(e -> assertThat(e.problem()).isEqualTo(InputFileException.Problem.CHANGED))
                .extracting(Throwable::getMessage).asString()
                .startsWith("initrd: " + f + ": the file changed while jkexec used it (");
    }

    @Test
    void a_file_replaced_by_rename_is_a_change_and_a_fault_under_an_unchanged_file_is_not_the_files() throws Exception {
        Path f = Files.write(dir.resolve("k"), new byte[4096]);
        MemorySegment m = new InputFile("kernel", f).map(GIB, "the guest's RAM");
        InternalError fault = new InternalError("a fault elsewhere");
        assertThat(MappedFiles.faulted(fault, m)).isEmpty();

        Path other = Files.write(dir.resolve("k.new"), new byte[4096]);
        Files.setLastModifiedTime(other, Files.getLastModifiedTime(f));
        Files.move(other, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);

        assertThat(MappedFiles.faulted(fault, m)).get().extracting(Throwable::getMessage).asString()
                .isEqualTo("kernel: " + f + ": the file shrank while jkexec read it (a fault elsewhere)");
        assertThat(MappedFiles.changed(m)).isPresent();
    }
}
