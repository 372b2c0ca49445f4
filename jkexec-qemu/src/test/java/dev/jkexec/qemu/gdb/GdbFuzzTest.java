package dev.jkexec.qemu.gdb;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: what QEMU's gdbstub sends, through the client's packet reader
 * ({@link GdbPackets#read}, which {@link GdbStub} reads every reply with) and its reply readers
 * ({@link GdbStub#parseStop} for stop replies, {@link GdbStub#expectOk} for the rest). The stream
 * ends as a closed connection does. Beyond "only {@link GdbException}, no hang": a packet returned
 * is at most {@link GdbStub#MAX_PACKET} bytes and its checksum holds; a stop reply's signal is a
 * byte. Seeds: a session recorded from the real QEMU 7.2 gdbstub ({@code scripts/record-qemu-peers.py}).
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class GdbFuzzTest {
    static final int MAX_INPUT = 256 << 10;

    /** The end of the input: the connection closed. */
    static final class Closed extends GdbException {
        Closed() {
            super("gdbstub: connection closed");
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this; // thrown once per input, at its end: no stack trace to build
        }
    }

    @FuzzTest
    void gdbReplies(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, GdbException.class, bytes -> {
            int[] at = {0};
            GdbPackets.Source in = () -> {
                if (at[0] >= bytes.length) {
                    throw new Closed();
                }
                return bytes[at[0]++] & 0xFF;
            };
            while (true) {
                String data;
                try {
                    data = GdbPackets.read(in, GdbStub.MAX_PACKET);
                } catch (GdbPackets.BadPacketException bad) {
                    Hostile.rejected(bad);
                    continue; // the stub answers '-'; the next request reads on
                }
                byte[] raw = data.getBytes(StandardCharsets.ISO_8859_1);
                check(raw.length <= GdbStub.MAX_PACKET, "packet of " + raw.length + " bytes");
                try {
                    if (data.startsWith("T") || data.startsWith("S")) {
                        GdbStub.Stop stop = GdbStub.parseStop(data);
                        check(stop.signal() >= 0 && stop.signal() <= 0xFF, "signal " + stop.signal());
                    } else {
                        GdbStub.expectOk(data, "Z1 at 0xfffffff0");
                    }
                } catch (GdbException rejected) {
                    Hostile.rejected(rejected);
                }
            }
        });
    }
}
