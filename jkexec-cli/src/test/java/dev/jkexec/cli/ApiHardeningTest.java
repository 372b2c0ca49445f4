package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST API as a hostile client meets it (issue 12's list, one test each), on a machine that is
 * started (QEMU, TCG) with nothing loaded. Every refusal is a 4xx with a fault message naming the
 * field and its errno, and the next request is served.
 */
@NeedsQemu
class ApiHardeningTest {
    @TempDir
    static Path dir;
    static Machine machine;
    static ApiServer server;
    static Path socket;

    @BeforeAll
    static void start() {
        machine = Machine.start(MachineOptions.builder().layout(new MachineLayout(256L << 20, 64L << 20, 64L << 20, 1))
                .dumpDirectory(dir).build());
        socket = dir.resolve("api/api.sock");
        server = ApiServer.start(machine, socket, false);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (machine != null) {
            machine.close();
        }
        assertThat(socket).doesNotExist();
    }

    private static JsonNode fault(String response, int status) throws IOException {
        assertThat(RawHttp.status(response)).as(response).isEqualTo(status);
        JsonNode f = ApiJson.JSON.readTree(RawHttp.body(response));
        assertThat(f.properties()).extracting(java.util.Map.Entry::getKey).containsExactlyInAnyOrder("fault_message", "errno");
        return f;
    }

    private static void stillServes() throws IOException {
        String r = RawHttp.request(socket, "GET", "/machine", (String) null);
        assertThat(RawHttp.status(r)).as(r).isEqualTo(200);
        assertThat(ApiJson.JSON.readTree(RawHttp.body(r)).path("images").path("default").path("loaded").asBoolean()).isFalse();
    }

    private static String load(String json) throws IOException {
        return RawHttp.request(socket, "PUT", "/kexec/images/default", json);
    }

    @Test
    void silentClientsBlockNobodyAndAreCutOffAtTheReadDeadline() throws Exception {
        List<RawHttp> silent = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            silent.add(new RawHttp(socket));
        }
        RawHttp half = new RawHttp(socket).send("PUT /actions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{\"act");
        try {
            stillServes(); // served while five clients hold connections and say nothing (more)
            // the server, not the client, ends them: each read sees the connection closed
            for (RawHttp s : silent) {
                assertThat(s.channel.read(ByteBuffer.allocate(16))).isEqualTo(-1);
            }
            String r = half.response();
            assertThat(r.isEmpty() || RawHttp.status(r) >= 400).as(r).isTrue();
        } finally {
            for (RawHttp s : silent) {
                s.close();
            }
            half.close();
        }
        stillServes();
    }

    @Test
    void devZeroIsRefusedByNameAndTheNextRequestWorks() throws Exception {
        JsonNode f = fault(load("{\"kernel\":\"/dev/zero\"}"), 400);
        assertThat(f.path("errno").asText()).isEqualTo("EINVAL");
        assertThat(f.path("fault_message").asText()).startsWith("kernel: /dev/zero: a character device, not a regular file (-EINVAL)");
        f = fault(load("{\"kernel\":\"/dev/zero\",\"busybox\":false,\"initrd\":\"/dev/zero\"}"), 400);
        stillServes();
    }

    @Test
    void fifosAndDirectoriesAreRefusedWithoutBlocking() throws Exception {
        Path fifo = dir.resolve("kernel.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        assertThat(fault(load("{\"kernel\":\"" + fifo + "\"}"), 400).path("fault_message").asText())
                .startsWith("kernel: " + fifo + ": a FIFO, not a regular file");
        assertThat(fault(load("{\"kernel\":\"" + dir + "\"}"), 400).path("fault_message").asText())
                .startsWith("kernel: " + dir + ": a directory, not a regular file");
        assertThat(fault(RawHttp.request(socket, "PUT", "/actions", "{\"action\":\"dump\",\"file\":\"" + fifo + "\"}"), 400)
                .path("fault_message").asText()).contains(fifo.toString());
        stillServes();
    }

    @Test
    void aKernelBiggerThanTheGuestIsRefusedBeforeItIsRead() throws Exception {
        Path big = dir.resolve("huge.bzImage");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(8L << 30); // sparse: reading it would take the heap
        }
        JsonNode f = fault(load("{\"kernel\":\"" + big + "\"}"), 413);
        assertThat(f.path("errno").asText()).isEqualTo("EFBIG");
        assertThat(f.path("fault_message").asText()).contains("8589934592 bytes (8 GiB), above the guest's RAM, 256 MiB (-EFBIG)");
        stillServes();
    }

    @Test
    void errorsNeverEchoFileContents() throws Exception {
        Path secret = Files.writeString(dir.resolve("shadow"), "root:$6$SECRETSALT$HASHHASHHASH:19000:0:99999:7:::\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        String r = load("{\"kernel\":\"" + secret + "\"}");
        assertThat(RawHttp.status(r)).isEqualTo(400);
        assertThat(r).doesNotContain("SECRET").doesNotContain("root:").doesNotContain("HASH");
        String h = RawHttp.request(socket, "POST", "/kexec/op", Files.readAllBytes(secret));
        assertThat(RawHttp.status(h)).isEqualTo(400);
        assertThat(h).doesNotContain("SECRET").doesNotContain("root:");
    }

    @Test
    void duplicateKeysAreRefusedAndNothingRuns() throws Exception {
        JsonNode f = fault(RawHttp.request(socket, "PUT", "/actions", "{\"action\":\"pause\",\"action\":\"crash\"}"), 400);
        assertThat(f.path("fault_message").asText()).isEqualTo("action: not JSON: Duplicate field 'action' (-EINVAL)");
        assertThat(f.path("errno").asText()).isEqualTo("EINVAL");
        assertThat(machine.runState().toString()).isNotEqualTo("GUEST_PANICKED");
        stillServes();
    }

    @Test
    void wrongTypesAndUnknownFieldsAreRefusedByName() throws Exception {
        assertThat(fault(load("{\"kernel\":\"/k\",\"entry\":\"abc\"}"), 400).path("fault_message").asText())
                .isEqualTo("load.entry: \"abc\" is not an integer (-EINVAL)");
        assertThat(fault(load("{\"kernel\":\"/k\",\"decompress\":\"yes\"}"), 400).path("fault_message").asText())
                .startsWith("load.decompress: \"yes\" is not true or false");
        assertThat(fault(load("{\"kernel\":\"/k\",\"entyr\":64}"), 400).path("fault_message").asText())
                .startsWith("load.entyr: unknown field");
        assertThat(fault(load("{\"kernel\":\"relative/bzImage\"}"), 400).path("fault_message").asText())
                .startsWith("load.kernel: \"relative/bzImage\" is not an absolute path");
        assertThat(fault(RawHttp.request(socket, "PUT", "/actions", "{\"action\":\"exec\",\"type\":1}"), 400)
                .path("fault_message").asText()).startsWith("action.type: 1 is not a string");
    }

    @Test
    void bodiesAreBounded() throws Exception {
        String big = "{\"kernel\":\"/k\",\"append\":\"" + "x".repeat(ApiServer.MAX_JSON_BODY) + "\"}";
        JsonNode f = fault(load(big), 413);
        assertThat(f.path("fault_message").asText()).contains("above the limit of 65536");
        // chunked, with no length to check first: refused when it grows past the bound
        try (RawHttp h = new RawHttp(socket)) {
            h.send("PUT /kexec/images/default HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
                    + "Content-Type: application/json\r\n\r\n");
            String chunk = "x".repeat(16 * 1024);
            for (int i = 0; i < 8; i++) {
                h.send(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            h.send("0\r\n\r\n");
            assertThat(fault(h.response(), 413).path("fault_message").asText()).contains("above the limit of 65536 bytes");
        } catch (IOException e) {
            // the server may close before every chunk is written: the refusal is what counts, and it was sent or the pipe broke
        }
        String header = "GET /machine HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nX-Big: " + "y".repeat(16 * 1024) + "\r\n\r\n";
        try (RawHttp h = new RawHttp(socket)) {
            assertThat(RawHttp.status(h.send(header).response())).isEqualTo(431);
        }
        stillServes();
    }

    @Test
    void utf8SplitAcrossReadsIsDecodedWhole() throws Exception {
        byte[] body = "{\"action\":\"€ü€\"}".getBytes(StandardCharsets.UTF_8);
        try (RawHttp h = new RawHttp(socket)) {
            h.send("PUT /actions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            // Two HTTP chunks, cut inside the first €'s three bytes: the server's body source hands
            // them over as two pieces however the bytes arrive, so a per-piece decoder would garble it.
            int split = 12;
            h.send(Integer.toHexString(split) + "\r\n");
            h.send(java.util.Arrays.copyOf(body, split));
            h.send("\r\n" + Integer.toHexString(body.length - split) + "\r\n");
            h.send(java.util.Arrays.copyOfRange(body, split, body.length));
            h.send("\r\n0\r\n\r\n");
            assertThat(fault(h.response(), 400).path("fault_message").asText())
                    .startsWith("action.action: \"€ü€\" is none of exec, crash, dump, pause, resume");
        }
        byte[] bad = {'{', '"', 'a', 'c', 't', 'i', 'o', 'n', '"', ':', '"', (byte) 0xE2, (byte) 0x82, '"', '}'};
        assertThat(fault(RawHttp.request(socket, "PUT", "/actions", bad), 400).path("fault_message").asText())
                .startsWith("action: not JSON").contains("UTF-8");
    }

    @Test
    void unknownResourcesAndMethodsGetFaults() throws Exception {
        assertThat(fault(RawHttp.request(socket, "GET", "/vm", (String) null), 404).path("fault_message").asText()).contains("/vm");
        assertThat(fault(RawHttp.request(socket, "POST", "/machine", "{}"), 405).path("fault_message").asText()).contains("GET /machine");
        assertThat(fault(RawHttp.request(socket, "GET", "/kexec/images/warm", (String) null), 400).path("fault_message").asText())
                .startsWith("type: \"warm\" is neither default nor crash");
        assertThat(fault(RawHttp.request(socket, "GET", "/kexec/ranges/cpu?nr=7", (String) null), 400).path("errno").asText())
                .isEqualTo("ERANGE");
        assertThat(RawHttp.status(RawHttp.request(socket, "DELETE", "/kexec/images/crash", (String) null))).isEqualTo(204);
    }

    @Test
    void theSocketFileIsItsOwnersOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent()))).isEqualTo("rwx------");
    }

    @Test
    void anExistingFileAtApiPathIsRefusedAndKept() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> ApiServer.start(machine, file, false)).isInstanceOf(JkexecException.class)
                .hasMessage("--api: " + file + " exists and is not a socket; refusing to replace it");
        assertThat(Files.readString(file)).isEqualTo("mine");
        assertThatThrownBy(() -> ApiServer.start(machine, dir, false)).hasMessageContaining("is not a socket");
        assertThatThrownBy(() -> ApiServer.start(machine, socket, false)).hasMessageContaining("is the socket of a running machine");
        stillServes();
    }

    @Test
    void aStaleSocketIsReplaced() throws Exception {
        Path stale = dir.resolve("stale.sock");
        try (var s = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            s.bind(java.net.UnixDomainSocketAddress.of(stale));
        }
        assertThat(stale).exists();
        try (ApiServer again = ApiServer.start(machine, stale, false)) {
            assertThat(RawHttp.status(RawHttp.request(stale, "GET", "/machine", (String) null))).isEqualTo(200);
        }
        assertThat(stale).doesNotExist();
    }
}
