package dev.jkexec.image.boot;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ImageFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The kernel command line as bytes: UTF-8, NUL terminated, at most {@code cmdline_size} bytes
 * before the NUL (boot.rst: the NUL is not counted; 255 before protocol 2.06). A longer line is
 * refused, not truncated: a silently cut {@code elfcorehdr=} or {@code root=} is worse than an
 * error.
 */
public final class CommandLine {
    private CommandLine() {
    }

    /**
     * The NUL-terminated bytes of {@code line}.
     *
     * @param limit {@code cmdline_size}: the most bytes allowed before the NUL
     * @throws ImageFormatException naming {@code setup_header.cmdline_size}, the length and the limit
     */
    public static byte[] encode(String line, long limit) {
        byte[] text = line.getBytes(StandardCharsets.UTF_8);
        if (line.indexOf('\0') >= 0) {
            throw new ImageFormatException("command_line", hex(line.indexOf('\0')),
                    "command line holds a NUL at index " + line.indexOf('\0'));
        }
        if (text.length > limit) {
            throw new ImageFormatException("setup_header.cmdline_size", hex(limit), "command line of " + text.length
                    + " bytes exceeds the kernel's cmdline_size of " + limit + " bytes (NUL excluded)");
        }
        return Arrays.copyOf(text, text.length + 1);
    }
}
