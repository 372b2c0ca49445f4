package dev.jkexec.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.qemu.common.PeerDiagnosis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QMP protocol handling against a scripted fake peer: replies, errors, events, and untrusted
 * input (garbage, oversized or deep messages, wrong shapes, a peer that closes mid-call).
 * Call timeouts are long (30 s) wherever the test expects a prompt failure, and every test has a
 * JUnit timeout, so a hang fails the test instead of passing it slowly.
 */
@Timeout(20)
@Pure
class QmpClientTest {
    static final QmpOptions OPTIONS = QmpOptions.defaults().withCallTimeout(Duration.ofSeconds(30));
    static final PeerDiagnosis DIED = new PeerDiagnosis("fake-qemu (pid 1) was killed by SIGKILL", "starting\nfake: last words\n");
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private QmpClient connect(FakeQmpServer server, QmpOptions options) throws Exception {
        return QmpClient.start(server.connect(), options, () -> DIED);
    }

    /** Fuzzing finding (QmpFuzzTest, input crash-1c593989…): QEMU's error description went into the message raw, newlines and all. */
    @Test
    void an_error_description_is_one_line_in_the_message() {
        QmpException e = new QmpException("stop", "GenericError", "line one\r\nline two");
        assertThat(e.getMessage()).isEqualTo("QMP stop failed: GenericError: line one\\x0d\\x0aline two");
        assertThat(e.description()).isEqualTo("line one\r\nline two");
    }

    @Test
    void handshakeThenCommandReturnsItsReturnValue() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                c.reply(c.expect("query-status"), "{\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}");
                JsonNode hmp = c.expect("human-monitor-command");
                assertThat(hmp.get("arguments").get("command-line").asText()).isEqualTo("info registers -a");
                c.reply(hmp, "\"\\r\\nCPU#0\\r\\n\"");
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            assertThat(qmp.greeting().get("version").get("qemu").get("major").asInt()).isEqualTo(7);
            assertThat(qmp.queryStatus()).isEqualTo(new QmpStatus(RunState.PRELAUNCH, false));
            assertThat(qmp.humanMonitorCommand("info registers -a")).isEqualTo("\r\nCPU#0\r\n");
            server.awaitScript();
        }
    }

    @Test
    void errorReplyIsTypedAndTheConnectionStaysUsable() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                c.error(c.expect("bogus"), "CommandNotFound", "The command bogus has not been found");
                c.reply(c.expect("stop"), "{}");
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            assertThatThrownBy(() -> qmp.execute("bogus"))
                    .isInstanceOfSatisfying(QmpException.class, e -> {
                        assertThat(e.errorClass()).isEqualTo("CommandNotFound");
                        assertThat(e.description()).isEqualTo("The command bogus has not been found");
                        assertThat(e.command()).isEqualTo("bogus");
                    })
                    .hasMessage("QMP bogus failed: CommandNotFound: The command bogus has not been found");
            qmp.stop();
            server.awaitScript();
        }
    }

    @Test
    void eventsInterleavedWithRepliesReachWaitersAndListenersInOrder() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode reset = c.expect("system_reset");
                c.event("RESET", "{\"guest\": false, \"reason\": \"host-qmp-system-reset\"}");
                c.event("STOP", null);
                c.reply(reset, "{}");
                c.event("SHUTDOWN", "{\"guest\": true, \"reason\": \"guest-reset\"}");
                c.event("GUEST_PANICKED", "{\"action\": \"pause\", \"info\": {\"type\": \"hyper-v\"}}");
                c.event("BLOCK_JOB_READY", "{\"device\": \"x\"}");
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            BlockingQueue<QmpEvent> heard = new LinkedBlockingQueue<>();
            qmp.addEventListener(heard::add);
            long mark = qmp.eventMark();

            qmp.systemReset();

            QmpEvent.Reset reset = qmp.awaitEvent(QmpEvent.Reset.class, WAIT, mark);
            assertThat(reset.guest()).isFalse();
            assertThat(reset.reason()).isEqualTo("host-qmp-system-reset");
            assertThat(reset.timestamp().getEpochSecond()).isEqualTo(1795256797L);
            QmpEvent.Shutdown shutdown = qmp.awaitEvent(QmpEvent.Shutdown.class, WAIT, mark);
            assertThat(shutdown.guest()).isTrue();
            assertThat(shutdown.reason()).isEqualTo("guest-reset");
            assertThat(qmp.awaitEvent(QmpEvent.GuestPanicked.class, WAIT, mark).action()).isEqualTo("pause");
            QmpEvent other = qmp.awaitEvent(QmpEvent.named("BLOCK_JOB_READY"), WAIT, mark);
            assertThat(other).isInstanceOf(QmpEvent.Other.class);
            assertThat(other.data().get("device").asText()).isEqualTo("x");
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                names.add(heard.poll(10, TimeUnit.SECONDS).name());
            }
            assertThat(names).containsExactly("RESET", "STOP", "SHUTDOWN", "GUEST_PANICKED", "BLOCK_JOB_READY");
            assertThat(qmp.events()).extracting(QmpEvent::index).containsExactly(0L, 1L, 2L, 3L, 4L);
        }
    }

    @Test
    void concurrentCallsAreMatchedById() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode first = c.request();
                JsonNode second = c.request();
                // Answer in reverse order, each with its own command name as the value.
                c.reply(second, "\"" + second.get("execute").asText() + "\"");
                c.reply(first, "\"" + first.get("execute").asText() + "\"");
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            CompletableFuture<JsonNode> a = CompletableFuture.supplyAsync(() -> qmp.execute("alpha"));
            CompletableFuture<JsonNode> b = CompletableFuture.supplyAsync(() -> qmp.execute("beta"));

            assertThat(a.get(10, TimeUnit.SECONDS).asText()).isEqualTo("alpha");
            assertThat(b.get(10, TimeUnit.SECONDS).asText()).isEqualTo("beta");
        }
    }

    @Test
    void argumentsAreSentAsJson() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode r = c.expect("x-test");
                c.reply(r, r.get("arguments").toString());
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            JsonNode echoed = qmp.execute("x-test", Map.of("n", 5, "s", "a\"b\n", "list", List.of(1, 2)));

            assertThat(echoed.get("n").asInt()).isEqualTo(5);
            assertThat(echoed.get("s").asText()).isEqualTo("a\"b\n");
            assertThat(echoed.get("list")).hasSize(2);
        }
    }

    @Test
    void garbageClosesTheConnectionWithATypedError() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                c.expect("cont");
                c.send("this is not json");
                c.awaitClose();
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            assertThatThrownBy(qmp::cont)
                    .isInstanceOf(QmpProtocolException.class)
                    .hasMessageStartingWith("QMP protocol violation: malformed JSON (")
                    .hasMessageEndingWith("'this is not json'");
            assertThat(qmp.isOpen()).isFalse();
            assertThatThrownBy(qmp::stop).isInstanceOf(QmpProtocolException.class);
            assertThatThrownBy(() -> qmp.awaitEvent(e -> true, WAIT)).isInstanceOf(QmpProtocolException.class);
        }
    }

    @Test
    void oversizedLineIsRejectedWithoutBufferingIt() throws Exception {
        QmpOptions small = OPTIONS.withMaxLineBytes(4096);
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                c.expect("query-status");
                byte[] huge = new byte[1 << 20];
                java.util.Arrays.fill(huge, (byte) 'x');
                c.sendBytes(huge);
                c.awaitClose();
            });
             QmpClient qmp = connect(server, small)) {
            assertThatThrownBy(qmp::queryStatus)
                    .isInstanceOfSatisfying(QmpProtocolException.class,
                            e -> assertThat(e.problem()).isEqualTo("message longer than 4096 bytes"));
        }
    }

    @Test
    void deepNestingIsRejected() throws Exception {
        QmpOptions shallow = OPTIONS.withMaxDepth(8);
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode r = c.expect("query-status");
                c.reply(r, "[".repeat(50) + "]".repeat(50));
                c.awaitClose();
            });
             QmpClient qmp = connect(server, shallow)) {
            assertThatThrownBy(qmp::queryStatus)
                    .isInstanceOf(QmpProtocolException.class)
                    .hasMessageContaining("malformed JSON")
                    .hasMessageContaining("nesting depth");
        }
    }

    @Test
    void peerClosingMidCallFailsPendingCallsPromptlyWithTheDiagnosis() throws Exception {
        CountDownLatch requested = new CountDownLatch(1);
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                c.expect("cont");
                requested.countDown();
                c.channel.close(); // QEMU dies with the call in flight
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            assertThatThrownBy(qmp::cont)
                    .isInstanceOfSatisfying(QmpClosedException.class, e -> {
                        assertThat(e.diagnosis()).isEqualTo(DIED);
                        assertThat(e.qemuOutput()).contains("fake: last words");
                    })
                    .hasMessage("QMP cont: QMP connection closed: fake-qemu (pid 1) was killed by SIGKILL: fake: last words");
            assertThat(requested.getCount()).isZero();
            assertThatThrownBy(qmp::stop).isInstanceOf(QmpClosedException.class);
            assertThatThrownBy(() -> qmp.awaitEvent(e -> true, Duration.ofSeconds(30))).isInstanceOf(QmpClosedException.class);
        }
    }

    @Test
    void noReplyTimesOutAndALateReplyIsIgnored() throws Exception {
        QmpOptions quick = OPTIONS.withCallTimeout(Duration.ofMillis(300));
        CountDownLatch timedOut = new CountDownLatch(1);
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode slow = c.expect("slow");
                timedOut.await();
                c.reply(slow, "\"too late\"");
                c.reply(c.expect("stop"), "{}");
                c.awaitClose();
            });
             QmpClient qmp = connect(server, quick)) {
            assertThatThrownBy(() -> qmp.execute("slow"))
                    .isInstanceOf(QmpTimeoutException.class)
                    .hasMessage("QMP slow: no reply within 300 ms");
            timedOut.countDown();

            qmp.execute("stop", Map.of(), Duration.ofSeconds(10));
            assertThat(qmp.isOpen()).isTrue();
        }
    }

    @Test
    void replyToAnIdNeverSentIsAViolation() throws Exception {
        assertFatal("{\"return\": {}, \"id\": 999999}", "reply to id 999999, which was never sent");
    }

    @Test
    void replyWithoutIdIsAViolation() throws Exception {
        assertFatal("{\"error\": {\"class\": \"GenericError\", \"desc\": \"JSON parse error\"}}", "reply without our numeric id");
    }

    @Test
    void messageOfUnknownShapeIsAViolation() throws Exception {
        assertFatal("{\"hello\": 1}", "message with neither return, error nor event");
    }

    @Test
    void nonObjectMessageIsAViolation() throws Exception {
        assertFatal("[1, 2]", "message is not a JSON object");
    }

    @Test
    void duplicateKeysAreAViolation() throws Exception {
        assertFatal("{\"return\": {}, \"return\": 1, \"id\": 2}", "Duplicate field 'return'");
    }

    @Test
    void trailingContentIsAViolation() throws Exception {
        assertFatal("{\"return\": {}, \"id\": 2} {}", "malformed JSON");
    }

    @Test
    void eventWithoutItsFieldsIsAViolation() throws Exception {
        assertFatal("{\"event\": \"RESET\", \"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"data\": {\"reason\": \"x\"}}",
                "RESET event: data.guest missing or not a boolean");
        assertFatal("{\"event\": \"STOP\"}", "STOP event: missing 'timestamp' object");
    }

    /** Sends {@code line} while a call is pending; the call and the connection fail naming {@code problem}. */
    private void assertFatal(String line, String problem) throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                c.expect("query-status");
                c.send(line);
                c.awaitClose();
            })) {
            QmpClient qmp = connect(server, OPTIONS);
            try {
                assertThatThrownBy(qmp::queryStatus)
                        .isInstanceOf(QmpProtocolException.class)
                        .hasMessageContaining(problem);
                assertThat(qmp.isOpen()).isFalse();
            } finally {
                qmp.close();
            }
        }
    }

    @Test
    void malformedErrorReplyFailsOnlyThatCall() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode r = c.expect("stop");
                c.send("{\"error\": \"no\", \"id\": " + r.get("id") + "}");
                c.reply(c.expect("human-monitor-command"), "42");
                c.reply(c.expect("query-status"), "{\"status\": \"sleeping\", \"running\": false}");
                c.reply(c.expect("cont"), "{}");
                c.awaitClose();
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            assertThatThrownBy(qmp::stop).isInstanceOf(QmpProtocolException.class)
                    .hasMessage("QMP protocol violation: reply to stop: error without a string class and desc: '\"no\"'");
            assertThatThrownBy(() -> qmp.humanMonitorCommand("info registers")).isInstanceOf(QmpProtocolException.class)
                    .hasMessage("QMP protocol violation: human-monitor-command returned a NUMBER, not a string");
            assertThatThrownBy(qmp::queryStatus).isInstanceOf(QmpProtocolException.class)
                    .hasMessage("QMP protocol violation: unknown run state 'sleeping'");
            qmp.cont();
            assertThat(qmp.isOpen()).isTrue();
        }
    }

    @Test
    void missingGreetingFailsTheStart() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.send("{\"return\": {}}");
                c.awaitClose();
            })) {
            assertThatThrownBy(() -> connect(server, OPTIONS))
                    .isInstanceOf(QmpProtocolException.class)
                    .hasMessageContaining("expected the greeting");
        }
    }

    @Test
    void silentPeerTimesOutTheGreeting() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, FakeQmpServer.Connection::awaitClose)) {
            assertThatThrownBy(() -> connect(server, OPTIONS.withGreetingTimeout(Duration.ofMillis(200))))
                    .isInstanceOf(QmpTimeoutException.class)
                    .hasMessage("no QMP greeting within 200 ms");
        }
    }

    @Test
    void awaitEventTimesOutNamingTheLastEvent() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode r = c.expect("stop");
                c.event("STOP", null);
                c.reply(r, "{}");
                c.awaitClose();
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            qmp.stop();
            qmp.awaitEvent(QmpEvent.named("STOP"), WAIT, 0);

            assertThatThrownBy(() -> qmp.awaitEvent(QmpEvent.named("RESET"), Duration.ofMillis(100), 0))
                    .isInstanceOf(QmpTimeoutException.class)
                    .hasMessage("no matching QMP event within 100 ms (last event: STOP #0)");
        }
    }

    @Test
    void historyIsBoundedButNewerEventsAreStillFound() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode r = c.expect("cont");
                for (int i = 0; i < 10; i++) {
                    c.event("TICK", "{\"n\": " + i + "}");
                }
                c.reply(r, "{}");
                c.awaitClose();
            });
             QmpClient qmp = connect(server, OPTIONS.withEventHistory(4))) {
            qmp.cont();
            QmpEvent last = qmp.awaitEvent(e -> e.data().path("n").asInt() == 9, WAIT, 0);

            assertThat(last.index()).isEqualTo(9);
            assertThat(qmp.events()).extracting(QmpEvent::index).containsExactly(6L, 7L, 8L, 9L);
            assertThat(qmp.awaitEvent(QmpEvent.named("TICK"), WAIT, 0).index()).isEqualTo(6);
        }
    }

    @Test
    void aListenerMayRunCommands() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode cont = c.expect("cont");
                c.event("GUEST_PANICKED", "{\"action\": \"pause\"}");
                c.reply(cont, "{}");
                c.reply(c.expect("query-status"), "{\"status\": \"guest-panicked\", \"running\": false}");
                c.awaitClose();
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            CompletableFuture<QmpStatus> seen = new CompletableFuture<>();
            qmp.addEventListener(e -> seen.complete(qmp.queryStatus()));
            qmp.cont();

            assertThat(seen.get(10, TimeUnit.SECONDS).state()).isEqualTo(RunState.GUEST_PANICKED);
        }
    }

    @Test
    void quitToleratesThePeerClosingBeforeReplying() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                c.expect("quit");
                c.channel.close();
            });
             QmpClient qmp = connect(server, OPTIONS)) {
            qmp.quit();

            assertThatThrownBy(qmp::stop).isInstanceOf(QmpClosedException.class).hasMessageContaining("closed after quit");
        }
    }

    @Test
    void controlCharactersAreEscapedInErrors() {
        assertThat(QmpJson.quote("a\u0000b\nc".getBytes(StandardCharsets.UTF_8))).isEqualTo("'a\\x00b\\x0ac'");
        assertThat(QmpJson.quote("y".repeat(200))).endsWith("'...").hasSize(125);
    }
}
