package dev.jkexec.qemu.qmp;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * Splits a byte stream into {@code \n}-terminated lines of at most {@code maxLine} bytes (a trailing
 * {@code \r} is dropped). Memory is bounded by the limit: an overlong line is rejected as soon as it
 * exceeds it, not after it has been buffered. Not thread-safe: one reader thread owns it.
 */
final class LineReader {
    private final ReadableByteChannel channel;
    private final int maxLine;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 << 10).flip();
    private byte[] line = new byte[1024];
    private int length;

    LineReader(ReadableByteChannel channel, int maxLine) {
        this.channel = channel;
        this.maxLine = maxLine;
    }

    /**
     * The next line without its terminator.
     *
     * @throws EOFException at end of stream (a partial last line is discarded: QMP lines are whole)
     * @throws QmpProtocolException if a line exceeds the limit
     */
    byte[] next() throws IOException {
        length = 0;
        while (true) {
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    int n = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
                    byte[] result = Arrays.copyOf(line, n);
                    if (line.length > 1 << 20) {
                        line = new byte[1024]; // Do not keep a huge buffer after one huge reply.
                    }
                    return result;
                }
                if (length == maxLine) {
                    throw new QmpProtocolException("message longer than " + maxLine + " bytes");
                }
                if (length == line.length) {
                    line = Arrays.copyOf(line, (int) Math.min(maxLine, 2L * line.length));
                }
                line[length++] = b;
            }
            buffer.clear();
            int n = channel.read(buffer);
            buffer.flip();
            if (n < 0) {
                throw new EOFException(length == 0 ? "end of stream" : "end of stream inside a message of " + length + " bytes");
            }
        }
    }
}
