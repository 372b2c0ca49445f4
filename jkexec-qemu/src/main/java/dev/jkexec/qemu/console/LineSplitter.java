package dev.jkexec.qemu.console;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Cuts a byte stream into text lines: {@code \n} ends a line, {@code \r} is dropped wherever it is,
 * bytes are decoded as UTF-8 (malformed sequences become U+FFFD). A line longer than
 * {@code maxLine} bytes is cut there, so a guest that never prints a newline costs bounded memory.
 * Not thread-safe: the console's reader thread owns it.
 */
final class LineSplitter {
    private final int maxLine;
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

    LineSplitter(int maxLine) {
        this.maxLine = maxLine;
    }

    void feed(byte[] bytes, int length, Consumer<String> sink) {
        for (int i = 0; i < length; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                emit(sink);
            } else if (b != '\r') {
                partial.write(b);
                if (partial.size() >= maxLine) {
                    emit(sink);
                }
            }
        }
    }

    /** Emits a pending partial line, if any (at end of stream). */
    void flush(Consumer<String> sink) {
        if (partial.size() > 0) {
            emit(sink);
        }
    }

    private void emit(Consumer<String> sink) {
        String line = partial.toString(StandardCharsets.UTF_8);
        partial.reset();
        sink.accept(line);
    }
}
