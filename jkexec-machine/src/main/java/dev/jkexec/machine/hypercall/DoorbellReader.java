package dev.jkexec.machine.hypercall;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The doorbell's framing: turns the bytes a guest writes to the doorbell port into request frames
 * ({@link DoorbellFrame}), with no I/O of its own, so that it can be tested and fuzzed on any byte
 * stream. {@link HypercallChannel} reads the socket into {@link #room()} and asks {@link #next()}.
 *
 * <p>The rules, whatever the guest sends: the buffer is one frame (memory does not grow with what a
 * guest sends); bytes that cannot start a request magic are skipped one at a time and counted
 * ({@link #takeSkipped}); a whole frame of an unknown version or flags followed, inside the frame,
 * by another magic is a torn frame (a caller killed mid-write) and is skipped up to that magic; with
 * no magic after it, it is returned, so that its caller gets -EINVAL instead of waiting. Every byte
 * is accounted for: skipped, returned in a frame, or still {@link #buffered()}. How the stream is cut
 * into reads does not change what comes out.
 */
public final class DoorbellReader {
    private final byte[] frame = new byte[DoorbellFrame.REQUEST_SIZE];
    private final ByteBuffer in = ByteBuffer.wrap(frame);
    private long skipped;

    /** Where the next bytes go: the rest of the frame (at least one byte whenever {@link #next} returned empty). */
    public ByteBuffer room() {
        return in;
    }

    /** Bytes held towards the next frame. */
    public int buffered() {
        return in.position();
    }

    /** Bytes skipped since the last call, and the count reset. */
    public long takeSkipped() {
        long s = skipped;
        skipped = 0;
        return s;
    }

    /** Drops whatever is buffered (after a handover: the old guest's bytes are not for the new one). */
    public void clear() {
        in.clear();
    }

    /** After bytes were added to {@link #room()}: the request they complete, if any. */
    public Optional<DoorbellFrame.Request> next() {
        // Resynchronise: drop leading bytes until the buffer starts with (a prefix of) the magic.
        int drop = 0;
        while (drop < in.position() && !startsMagic(frame, drop, in.position())) {
            drop++;
        }
        if (drop > 0) {
            skipped += drop;
            System.arraycopy(frame, drop, frame, 0, in.position() - drop);
            in.position(in.position() - drop);
        }
        if (in.hasRemaining()) {
            return Optional.empty();
        }
        DoorbellFrame.Request request = DoorbellFrame.decodeRequest(frame.clone());
        if (!request.wellFormed()) {
            int next = nextMagic(frame);
            if (next > 0) {
                skipped += next;
                System.arraycopy(frame, next, frame, 0, frame.length - next);
                in.position(frame.length - next);
                return Optional.empty();
            }
        }
        in.clear();
        return Optional.of(request);
    }

    /** The offset of the next request magic after offset 0, or -1. */
    private static int nextMagic(byte[] frame) {
        for (int i = 1; i + 4 <= frame.length; i++) {
            if (DoorbellFrame.startsRequest(frame, i)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code frame[from..to)} could be the start of a request frame (a magic prefix). */
    private static boolean startsMagic(byte[] frame, int from, int to) {
        int magic = DoorbellFrame.REQUEST_MAGIC;
        for (int i = 0; i < 4 && from + i < to; i++) {
            if ((frame[from + i] & 0xFF) != ((magic >>> (8 * i)) & 0xFF)) {
                return false;
            }
        }
        return true;
    }
}
