package dev.jkexec.qemu.gdb;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/**
 * One connection to a QEMU gdbstub, as bytes: framed requests out ({@link GdbPackets#encode}), reply
 * bytes in, one at a time against a deadline, never blocking without one. The framing of replies is
 * {@link GdbPackets#read}'s; what the replies mean is the owner's ({@link GdbStub},
 * {@link TranslationFlush}). Not thread-safe: its owner serializes.
 */
final class GdbWire implements AutoCloseable {
    private final SocketChannel channel;
    private final Selector selector;
    private final ByteBuffer in = ByteBuffer.allocate(8192);

    /** Takes a connected channel (made non-blocking here); closes it if the selector cannot be set up. */
    GdbWire(SocketChannel connected) throws IOException {
        try {
            connected.configureBlocking(false);
            selector = Selector.open();
            connected.register(selector, SelectionKey.OP_READ);
        } catch (IOException e) {
            connected.close();
            throw e;
        }
        channel = connected;
        in.flip();
    }

    /** Frames one request and writes it whole. */
    void send(String data) {
        write(GdbPackets.encode(data));
    }

    void write(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new GdbException("gdbstub: write failed: " + e.getMessage(), e);
        }
    }

    /**
     * The next reply byte, 0–255, waiting until {@code deadline} ({@link System#nanoTime()}).
     *
     * @throws GdbTimeoutException nothing came by the deadline, with {@code timeoutMessage}
     * @throws GdbException        the connection closed or failed
     */
    int nextByte(long deadline, String timeoutMessage) {
        try {
            while (!in.hasRemaining()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new GdbTimeoutException(timeoutMessage);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                in.compact();
                int n = channel.read(in);
                in.flip();
                if (n < 0) {
                    throw new GdbException("gdbstub: connection closed (QEMU gone?)");
                }
            }
            return in.get() & 0xFF;
        } catch (IOException e) {
            throw new GdbException("gdbstub: read failed: " + e.getMessage(), e);
        }
    }

    /**
     * Discards every byte that has arrived, without waiting; returns how many. A connection gone or
     * failing is left for the next {@link #nextByte} to report.
     */
    long drain() {
        long discarded = in.remaining();
        in.clear();
        try {
            int n;
            while ((n = channel.read(in)) > 0) {
                discarded += n;
                in.clear();
            }
        } catch (IOException e) {
            // reported by the next read
        }
        in.clear().flip();
        return discarded;
    }

    @Override
    public void close() {
        try {
            selector.close();
            channel.close();
        } catch (IOException e) {
            // a socket to a process that may be gone: nothing left to release
        }
    }
}
