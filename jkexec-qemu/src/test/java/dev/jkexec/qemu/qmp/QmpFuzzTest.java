package dev.jkexec.qemu.qmp;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.qemu.cpu.CpuStateFormatException;
import dev.jkexec.qemu.cpu.CpuStateParser;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: what QEMU sends on QMP, through the client's real reader: {@link LineReader} (fed in
 * chunks of a size the first input byte picks, so messages straddle reads), {@link QmpJson},
 * {@link QmpInbox} routing greeting, replies and events, {@link QmpEvent#parse}, and the reply
 * readers of the calls jkexec makes ({@link QmpReply#value}, {@link QmpStatus#of},
 * {@link QmpClient#hmpOutput} and the {@code info registers} text through {@link CpuStateParser}).
 * Eight calls (ids 1–8) are pending, as if jkexec had sent them. Only the socket and the threads
 * of {@link QmpClient} are left out.
 *
 * <p>Beyond "only {@link QmpProtocolException} for the stream, {@link QmpException},
 * {@link QmpProtocolException} or {@link CpuStateFormatException} for one reply": nothing is
 * routed before the greeting; replies complete only calls that were pending; events are numbered
 * 0, 1, 2, … in arrival order and the history keeps at most its capacity. Seeds: a session recorded
 * from the real QEMU 7.2 ({@code scripts/record-qemu-peers.py}) and the scripted sessions of
 * QmpClientTest.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class QmpFuzzTest {
    static final int MAX_INPUT = 64 << 10;
    static final QmpOptions OPTIONS = QmpOptions.defaults().withMaxLineBytes(32 << 10).withEventHistory(8);
    /** One parser for every input, as one client has one (an ObjectMapper per input would be most of the run). */
    static final QmpJson JSON = new QmpJson(OPTIONS);
    static final List<String> CALLS = List.of("qmp_capabilities", "query-status", "human-monitor-command", "stop", "cont",
            "system_reset", "query-cpus-fast", "quit");

    @FuzzTest
    void qmp(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, QmpProtocolException.class, bytes -> {
            if (bytes.length == 0) {
                return;
            }
            int chunk = 1 + (bytes[0] & 0xFF);
            QmpEvents events = new QmpEvents(OPTIONS.eventHistory());
            CompletableFuture<ObjectNode> greeting = new CompletableFuture<>();
            Map<Long, CompletableFuture<QmpReply>> pending = new HashMap<>();
            Map<Long, CompletableFuture<QmpReply>> calls = new HashMap<>();
            for (int i = 0; i < CALLS.size(); i++) {
                CompletableFuture<QmpReply> f = new CompletableFuture<>();
                pending.put(i + 1L, f);
                calls.put(i + 1L, f);
            }
            QmpInbox inbox = new QmpInbox(JSON, events, greeting, pending, () -> CALLS.size() + 1);
            LineReader lines = new LineReader(new Chunked(bytes, 1, chunk), OPTIONS.maxLineBytes());
            try {
                while (true) {
                    inbox.accept(lines.next());
                    check(greeting.isDone() || (pending.size() == CALLS.size() && events.mark() == 0),
                            "a message was routed before the greeting");
                }
            } catch (EOFException end) {
                // QEMU closed the connection: what the reader reports as a closed peer.
            } finally {
                events.close();
                replies(calls, pending);
                eventsNumbered(events);
            }
        });
    }

    /** Each answered call read as jkexec reads it. */
    private static void replies(Map<Long, CompletableFuture<QmpReply>> calls, Map<Long, CompletableFuture<QmpReply>> pending) {
        for (Map.Entry<Long, CompletableFuture<QmpReply>> e : calls.entrySet()) {
            CompletableFuture<QmpReply> f = e.getValue();
            check(f.isDone() != pending.containsKey(e.getKey()), "call " + e.getKey() + " answered yet still pending");
            if (!f.isDone()) {
                continue;
            }
            String command = CALLS.get((int) (e.getKey() - 1));
            try {
                JsonNode value = f.join().value(command, (c, cause) -> new MachineException(c + ": " + cause.getMessage(), cause));
                switch (command) {
                    case "query-status" -> QmpStatus.of(value);
                    case "human-monitor-command" -> CpuStateParser.parse(QmpClient.hmpOutput(value));
                    default -> value.toString();
                }
            } catch (QmpException | QmpProtocolException | CpuStateFormatException rejected) {
                Hostile.rejected(rejected);
            }
        }
    }

    private static void eventsNumbered(QmpEvents events) {
        List<QmpEvent> history = events.snapshot();
        check(history.size() <= OPTIONS.eventHistory(), history.size() + " events kept");
        long first = events.mark() - history.size();
        for (int i = 0; i < history.size(); i++) {
            check(history.get(i).index() == first + i, "event " + i + " numbered " + history.get(i).index());
            check(history.get(i).name() != null && history.get(i).timestamp() != null && history.get(i).data().isObject(),
                    "event " + i + " incomplete");
        }
    }

    /** The input after its first byte, {@code chunk} bytes per read. */
    static final class Chunked implements ReadableByteChannel {
        private final byte[] bytes;
        private final int chunk;
        private int at;

        Chunked(byte[] bytes, int from, int chunk) {
            this.bytes = bytes;
            this.at = from;
            this.chunk = chunk;
        }

        @Override
        public int read(ByteBuffer dst) {
            if (at >= bytes.length) {
                return -1;
            }
            int n = Math.min(Math.min(chunk, dst.remaining()), bytes.length - at);
            dst.put(bytes, at, n);
            at += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
