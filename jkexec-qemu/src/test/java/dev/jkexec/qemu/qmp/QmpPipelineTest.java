package dev.jkexec.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jkexec.platform.testing.Pure;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands sent back to back ({@link QmpClient#submit}, {@link QmpClient#resetAndResume},
 * {@link QmpClient#stopThenHmp}) against a scripted peer: every command reaches the peer before
 * any reply is sent (the peer reads them all first, so a client that waited would hang and the
 * JUnit timeout fail the test), each reply is still checked and typed, and a silent peer still
 * times each call out.
 */
@Timeout(20)
@Pure
class QmpPipelineTest {
    @TempDir
    Path dir;

    private QmpClient connect(FakeQmpServer server) throws Exception {
        return QmpClient.start(server.connect(), QmpClientTest.OPTIONS, () -> QmpClientTest.DIED);
    }

    @Test
    void submitted_commands_all_reach_the_peer_before_any_reply_and_each_gets_its_own_value() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                List<JsonNode> requests = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    requests.add(c.request());
                    seen.add(requests.getLast().get("execute").asText());
                }
                for (JsonNode r : requests) {
                    c.reply(r, "\"" + r.get("execute").asText() + "-done\"");
                }
            });
             QmpClient qmp = connect(server)) {
            QmpClient.Call a = qmp.submit("alpha");
            QmpClient.Call b = qmp.submit("beta");
            QmpClient.Call g = qmp.submit("gamma");
            assertThat(g.await().asText()).isEqualTo("gamma-done");
            assertThat(a.await().asText()).isEqualTo("alpha-done");
            assertThat(b.await().asText()).isEqualTo("beta-done");
            assertThat(seen).containsExactly("alpha", "beta", "gamma");
            server.awaitScript();
        }
    }

    @Test
    void reset_and_cont_are_sent_together_and_both_replies_are_checked() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode reset = c.expect("system_reset");
                JsonNode cont = c.expect("cont");
                c.reply(reset, "{}");
                c.error(cont, "GenericError", "Resetting the Virtual Machine is required");
            });
             QmpClient qmp = connect(server)) {
            assertThatThrownBy(qmp::resetAndResume)
                    .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.command()).isEqualTo("cont"))
                    .hasMessage("QMP cont failed: GenericError: Resetting the Virtual Machine is required");
            assertThat(qmp.vcpusMayHaveRun()).isTrue();
            server.awaitScript();
        }
    }

    @Test
    void the_hook_before_a_vcpu_start_runs_first_and_a_failing_one_keeps_the_command_unsent() throws Exception {
        List<String> order = new CopyOnWriteArrayList<>();
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode status = c.expect("query-status");
                order.add("sent query-status");
                c.reply(status, "{\"status\": \"prelaunch\", \"running\": false}");
                JsonNode cont = c.expect("cont");
                order.add("sent cont");
                c.reply(cont, "{}");
                JsonNode hmp = c.expect("human-monitor-command");
                order.add("sent " + hmp.get("arguments").get("command-line").asText());
                c.reply(hmp, "\"\"");
            });
             QmpClient qmp = connect(server)) {
            qmp.beforeVcpuStart(() -> order.add("hook"));
            qmp.submit("query-status").await(); // cannot start the vCPUs: no hook
            qmp.cont();
            qmp.beforeVcpuStart(() -> {
                throw new IllegalStateException("not yet");
            });
            assertThatThrownBy(() -> qmp.humanMonitorCommand("c")).hasMessage("not yet");
            qmp.beforeVcpuStart(() -> order.add("hook"));
            qmp.humanMonitorCommand("info jit");
            assertThat(order).containsExactly("sent query-status", "hook", "sent cont", "sent info jit");
            server.awaitScript();
        }
    }

    @Test
    void a_reset_that_fails_stops_the_vcpus_its_cont_started_and_throws_the_reset_error() throws Exception {
        List<String> after = new CopyOnWriteArrayList<>();
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode reset = c.expect("system_reset");
                JsonNode cont = c.expect("cont");
                c.error(reset, "GenericError", "no reset today");
                c.reply(cont, "{}");
                JsonNode stop = c.request();
                after.add(stop.get("execute").asText());
                c.reply(stop, "{}");
            });
             QmpClient qmp = connect(server)) {
            assertThatThrownBy(qmp::resetAndResume)
                    .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.command()).isEqualTo("system_reset"))
                    .hasMessage("QMP system_reset failed: GenericError: no reset today");
            server.awaitScript();
            assertThat(after).containsExactly("stop");
        }
    }

    @Test
    void stop_then_hmp_sends_both_returns_after_stop_and_the_hmp_output_comes_after() throws Exception {
        java.util.concurrent.CountDownLatch returned = new java.util.concurrent.CountDownLatch(1);
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode stop = c.expect("stop");
                JsonNode hmp = c.expect("human-monitor-command");
                assertThat(hmp.get("arguments").get("command-line").asText()).isEqualTo("info registers -a");
                c.reply(stop, "{}");
                returned.await(); // a client waiting for this reply before returning would hang here
                c.reply(hmp, "\"\\r\\nCPU#0\\r\\n\"");
            });
             QmpClient qmp = connect(server)) {
            QmpClient.Call regs = qmp.stopThenHmp("info registers -a");
            returned.countDown();
            assertThat(QmpClient.hmpOutput(regs.await())).isEqualTo("\r\nCPU#0\r\n");
            server.awaitScript();
        }
    }

    @Test
    void a_failed_stop_is_thrown_typed_and_the_hmp_reply_behind_it_is_dropped() throws Exception {
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                JsonNode stop = c.expect("stop");
                JsonNode hmp = c.expect("human-monitor-command");
                c.error(stop, "GenericError", "There is a dump in process, please wait.");
                c.reply(hmp, "\"CPU#0\"");
                c.reply(c.expect("query-status"), "{\"status\": \"running\", \"singlestep\": false, \"running\": true}");
                c.awaitClose(); // open until the client closes: isOpen below is the client's verdict
            });
             QmpClient qmp = connect(server)) {
            assertThatThrownBy(() -> qmp.stopThenHmp("info registers -a"))
                    .isInstanceOfSatisfying(QmpException.class, e -> assertThat(e.command()).isEqualTo("stop"))
                    .hasMessage("QMP stop failed: GenericError: There is a dump in process, please wait.");
            // The abandoned reply is dropped as a late one; the connection stays usable.
            assertThat(qmp.queryStatus().state()).isEqualTo(RunState.RUNNING);
            assertThat(qmp.isOpen()).isTrue();
        }
    }

    @Test
    void a_silent_peer_times_out_the_first_pipelined_call_and_nothing_more_is_sent() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        try (FakeQmpServer server = FakeQmpServer.start(dir, c -> {
                c.handshake();
                try {
                    while (true) {
                        received.add(c.request().get("execute").asText());
                    }
                } catch (java.io.IOException _) {
                    // the client closed: the script is over
                }
            });
             QmpClient qmp = QmpClient.start(server.connect(), QmpClientTest.OPTIONS.withCallTimeout(Duration.ofMillis(300)),
                     () -> QmpClientTest.DIED)) {
            assertThatThrownBy(qmp::resetAndResume)
                    .isInstanceOf(QmpTimeoutException.class)
                    .hasMessage("QMP system_reset: no reply within 300 ms");
            assertThatThrownBy(() -> qmp.stopThenHmp("info registers -a"))
                    .isInstanceOf(QmpTimeoutException.class)
                    .hasMessage("QMP stop: no reply within 300 ms");
            qmp.close();
            server.awaitScript();
            assertThat(received).containsExactly("system_reset", "cont", "stop", "human-monitor-command");
        }
    }
}
