package dev.jkexec.machine.hypercall;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: the hypercall channel's framing, what a guest writes to the doorbell port
 * ({@link DoorbellReader}, {@link DoorbellFrame}). Input: one byte that picks how the stream is cut
 * into reads, then the stream. Nothing may throw; beyond that:
 *
 * <ul>
 *   <li>every byte is accounted for: skipped + 80 per frame + still buffered = bytes fed, and the
 *       buffer never holds more than one frame;</li>
 *   <li>the frames do not depend on how the stream was cut: all at once, byte by byte and the
 *       input's own cut give the same frames;</li>
 *   <li>a frame re-encodes to its bytes (the reserved u32 at 76 excepted: it is not read), decodes
 *       from its encoding to the same fields, and the re-encoded frames, as one stream, give the
 *       same frames again with nothing skipped;</li>
 *   <li>a response for each frame decodes to its {@code seq} and return value.</li>
 * </ul>
 * Seeds ({@code Dom0Seeds}): frames of every served hypercall, back to back, torn, between noise.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class DoorbellFrameFuzzTest {
    static final int MAX_INPUT = 16 << 10;

    @FuzzTest
    void doorbell(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, List.of(), bytes -> {
            if (bytes.length == 0) {
                return;
            }
            int cut = bytes[0] & 0xFF;
            byte[] stream = Arrays.copyOfRange(bytes, 1, bytes.length);
            Fed whole = feed(stream, i -> Integer.MAX_VALUE);
            Fed single = feed(stream, i -> 1);
            Fed own = feed(stream, i -> 1 + ((cut * (i + 7)) % 97));
            same(whole, single, "byte by byte");
            same(whole, own, "cut by the input");
            ByteArrayOutputStream again = new ByteArrayOutputStream();
            for (int i = 0; i < whole.frames.size(); i++) {
                DoorbellFrame.Request r = whole.frames.get(i);
                byte[] raw = whole.raw.get(i);
                byte[] encoded = r.encode();
                Arrays.fill(raw, 76, 80, (byte) 0);
                Hostile.sameBytes(raw, encoded, "frame " + i + " re-encoded");
                check(sameRequest(r, DoorbellFrame.decodeRequest(encoded)), "frame " + i + " decoded from its encoding");
                again.writeBytes(encoded);
                long ret = r.op() ^ r.seq();
                DoorbellFrame.Response back = DoorbellFrame.decodeResponse(DoorbellFrame.response(r.seq(), ret));
                check(back.seq() == r.seq() && back.ret() == ret, "response of frame " + i + " round trip");
            }
            Fed replay = feed(again.toByteArray(), i -> Integer.MAX_VALUE);
            check(replay.skipped == 0 && replay.buffered == 0, "re-encoded frames skipped " + replay.skipped + " bytes");
            same(whole, replay, "re-encoded frames");
        });
    }

    /** What a reader made of a stream. */
    record Fed(List<DoorbellFrame.Request> frames, List<byte[]> raw, long skipped, int buffered) {
    }

    /** Feeds {@code stream} to a fresh reader, read {@code i} at most {@code cut(i)} bytes, as the channel reads its socket. */
    static Fed feed(byte[] stream, IntUnaryOperator cut) {
        DoorbellReader reader = new DoorbellReader();
        List<DoorbellFrame.Request> frames = new ArrayList<>();
        List<byte[]> raw = new ArrayList<>();
        long skipped = 0;
        int at = 0;
        for (int i = 0; at < stream.length; i++) {
            ByteBuffer room = reader.room();
            check(room.hasRemaining(), "no room to read into");
            int n = Math.min(room.remaining(), Math.min(cut.applyAsInt(i), stream.length - at));
            room.put(stream, at, n);
            at += n;
            var next = reader.next();
            skipped += reader.takeSkipped();
            if (next.isPresent()) {
                frames.add(next.get());
                raw.add(next.get().encode()); // replaced below by the frame's own bytes
            }
            check(reader.buffered() >= 0 && reader.buffered() <= DoorbellFrame.REQUEST_SIZE, "buffered " + reader.buffered());
        }
        long accounted = skipped + (long) DoorbellFrame.REQUEST_SIZE * frames.size() + reader.buffered();
        check(accounted == stream.length, "bytes fed " + stream.length + " != skipped " + skipped + " + frames "
                + frames.size() + " * 80 + buffered " + reader.buffered());
        return new Fed(frames, ownBytes(stream, frames, raw), skipped, reader.buffered());
    }

    /** Each frame's own bytes in the stream: the 80 bytes that decode to it, found in order. */
    private static List<byte[]> ownBytes(byte[] stream, List<DoorbellFrame.Request> frames, List<byte[]> encoded) {
        List<byte[]> own = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < frames.size(); i++) {
            int found = -1;
            for (int at = from; at + DoorbellFrame.REQUEST_SIZE <= stream.length; at++) {
                byte[] candidate = Arrays.copyOfRange(stream, at, at + DoorbellFrame.REQUEST_SIZE);
                if (DoorbellFrame.startsRequest(candidate, 0) && sameRequest(frames.get(i), DoorbellFrame.decodeRequest(candidate))) {
                    found = at;
                    break;
                }
            }
            check(found >= 0, "frame " + i + " is not 80 bytes of the stream");
            own.add(Arrays.copyOfRange(stream, found, found + DoorbellFrame.REQUEST_SIZE));
            from = found + DoorbellFrame.REQUEST_SIZE;
        }
        return own;
    }

    private static void same(Fed a, Fed b, String how) {
        check(a.frames.size() == b.frames.size(), how + ": " + b.frames.size() + " frames, not " + a.frames.size());
        for (int i = 0; i < a.frames.size(); i++) {
            check(sameRequest(a.frames.get(i), b.frames.get(i)), how + ": frame " + i + " differs");
        }
    }

    static boolean sameRequest(DoorbellFrame.Request a, DoorbellFrame.Request b) {
        return a.version() == b.version() && a.flags() == b.flags() && a.seq() == b.seq() && a.op() == b.op()
                && Arrays.equals(a.args(), b.args()) && a.windowVa() == b.windowVa() && a.caller() == b.caller();
    }
}
