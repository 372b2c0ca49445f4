package dev.jkexec.qemu.process;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The last {@code capacity} bytes a process wrote, kept by a reader thread so that an error can
 * quote QEMU's own explanation. Bounded: a chatty or hostile process costs at most
 * {@code capacity} bytes. Thread-safe.
 */
final class OutputTail {
    private final byte[] ring;
    private long written;

    OutputTail(int capacity) {
        ring = new byte[capacity];
    }

    /** Starts a daemon thread that copies {@code in} into this tail until end of stream. */
    Thread drain(InputStream in, String threadName) {
        return Thread.ofPlatform().daemon().name(threadName).start(() -> {
            byte[] buf = new byte[4096];
            try (in) {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    append(buf, n);
                }
            } catch (IOException _) {
                // The pipe was closed under us: what we have is the tail.
            }
        });
    }

    synchronized void append(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            ring[(int) (written++ % ring.length)] = bytes[i];
        }
    }

    /** The retained bytes as text (UTF-8, malformed bytes replaced). */
    synchronized String text() {
        int n = (int) Math.min(written, ring.length);
        byte[] out = new byte[n];
        int start = (int) ((written - n) % ring.length);
        for (int i = 0; i < n; i++) {
            out[i] = ring[(start + i) % ring.length];
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
