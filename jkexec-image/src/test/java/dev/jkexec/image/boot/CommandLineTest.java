package dev.jkexec.image.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

@Pure
class CommandLineTest {
    @Test
    void nulTerminated() {
        assertThat(CommandLine.encode("console=ttyS0", 2047)).containsExactly("console=ttyS0\0".getBytes());
        assertThat(CommandLine.encode("", 2047)).containsExactly(0);
    }

    @Test
    void exactlyTheLimitIsAccepted() {
        assertThat(CommandLine.encode("x".repeat(2047), 2047)).hasSize(2048);
        assertThat(CommandLine.encode("y".repeat(255), 255)).hasSize(256);
    }

    @Test
    void oneMoreIsRefusedNamingFieldLengthAndLimit() {
        assertThatThrownBy(() -> CommandLine.encode("x".repeat(2048), 2047))
                .isInstanceOf(ImageFormatException.class)
                .hasMessage("setup_header.cmdline_size: command line of 2048 bytes exceeds the kernel's cmdline_size of 2047 bytes (NUL excluded)")
                .satisfies(e -> assertThat(((ImageFormatException) e).field()).isEqualTo("setup_header.cmdline_size"));
        assertThatThrownBy(() -> CommandLine.encode("y".repeat(256), 255)).hasMessageContaining("256 bytes exceeds");
    }

    @Test
    void lengthCountsUtf8Bytes() {
        assertThatThrownBy(() -> CommandLine.encode("é".repeat(6), 11)).hasMessageContaining("12 bytes");
    }

    @Test
    void embeddedNulIsRefused() {
        assertThatThrownBy(() -> CommandLine.encode("a\0b", 100)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("NUL at index 1");
    }
}
