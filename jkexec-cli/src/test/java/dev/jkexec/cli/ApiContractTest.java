package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.jkexec.core.abi.AbiRequests;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/api.yaml held against the server (QEMU, TCG; a machine started, its crash slot loaded and
 * emptied): the operations the document lists are exactly those served, every answer's status is
 * one the document gives for it, and every JSON body validates against the document's schema.
 * Then Debian's curl, over the Unix socket, as a user would call it.
 */
@NeedsQemu
class ApiContractTest {
    @TempDir
    static Path dir;
    static Machine machine;
    static ApiServer server;
    static Path socket;
    static JsonNode api;

    @BeforeAll
    static void start() throws Exception {
        api = new YAMLMapper().readTree(Path.of(System.getProperty("jkexec.root"), "docs", "api.yaml").toFile());
        machine = Machine.start(MachineOptions.builder().layout(new MachineLayout(256L << 20, 160L << 20, 64L << 20, 1))
                .dumpDirectory(dir).build());
        socket = dir.resolve("api.sock");
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
    }

    @Test
    void theDocumentListsExactlyTheOperationsServed() {
        Set<String> documented = new HashSet<>();
        api.path("paths").properties().forEach(p -> p.getValue().properties().forEach(op -> {
            if (!op.getKey().equals("parameters")) {
                documented.add(op.getKey().toUpperCase(java.util.Locale.ROOT) + " " + p.getKey());
            }
        }));
        assertThat(documented).isEqualTo(ApiServer.OPERATIONS);
    }

    @Test
    void everyAnswerIsOneTheDocumentGives() throws Exception {
        String kernel = GuestAssets.cloudKernel().toString();
        Path status = dir.resolve("status.abi");
        AbiRequests.status(0x100000, 1).write(status);
        record Call(String method, String path, String template, byte[] body, int expect) {
            Call(String method, String path, String template, String body, int expect) {
                this(method, path, template, body == null ? null : body.getBytes(StandardCharsets.UTF_8), expect);
            }
        }
        List<Call> calls = new ArrayList<>(List.of(
                new Call("GET", "/machine", "/machine", (String) null, 200),
                new Call("GET", "/kexec/images/default", "/kexec/images/{type}", (String) null, 200),
                new Call("GET", "/kexec/images/sideways", "/kexec/images/{type}", (String) null, 400),
                new Call("PUT", "/kexec/images/crash", "/kexec/images/{type}", "{\"kernel\":\"" + kernel + "\",\"append\":\"console=ttyS0\"}", 200),
                new Call("GET", "/kexec/images/crash", "/kexec/images/{type}", (String) null, 200),
                new Call("PUT", "/kexec/images/crash", "/kexec/images/{type}", "{\"kernel\":\"/dev/zero\"}", 400),
                new Call("GET", "/kexec/images/crash", "/kexec/images/{type}", (String) null, 200),
                new Call("DELETE", "/kexec/images/crash", "/kexec/images/{type}", (String) null, 204),
                new Call("GET", "/kexec/ranges/crash", "/kexec/ranges/{range}", (String) null, 200),
                new Call("GET", "/kexec/ranges/cpu?nr=0", "/kexec/ranges/{range}", (String) null, 200),
                new Call("GET", "/kexec/ranges/vmcoreinfo", "/kexec/ranges/{range}", (String) null, 200),
                new Call("GET", "/kexec/ranges/cpu?nr=x", "/kexec/ranges/{range}", (String) null, 400),
                new Call("PUT", "/actions", "/actions", "{\"action\":\"pause\"}", 204),
                new Call("PUT", "/actions", "/actions", "{\"action\":\"resume\"}", 204),
                new Call("PUT", "/actions", "/actions", "{\"action\":\"dump\",\"file\":\"" + dir.resolve("core.kdump")
                        + "\",\"format\":\"kdump-zstd\"}", 200),
                new Call("PUT", "/actions", "/actions", "{\"action\":\"dump\",\"file\":\"" + dir.resolve("core.kdump") + "\"}", 400),
                new Call("PUT", "/actions", "/actions", "{}", 400),
                new Call("POST", "/kexec/op", "/kexec/op", Files.readAllBytes(status), 200),
                new Call("POST", "/kexec/op", "/kexec/op", "JKXABI01", 400)));
        for (Call c : calls) {
            String r = RawHttp.request(socket, c.method(), c.path(), c.body());
            int code = RawHttp.status(r);
            assertThat(code).as(c.method() + " " + c.path() + ": " + r).isEqualTo(c.expect());
            JsonNode op = api.path("paths").path(c.template()).path(c.method().toLowerCase(java.util.Locale.ROOT));
            JsonNode response = op.path("responses").has(Integer.toString(code)) ? op.path("responses").path(Integer.toString(code))
                    : op.path("responses").path("default");
            assertThat(response.isMissingNode()).as(c.method() + " " + c.template() + " documents " + code).isFalse();
            response = resolve(response);
            if (code == 204) {
                assertThat(RawHttp.body(r)).isEmpty();
                continue;
            }
            JsonNode schema = response.path("content").path("application/json").path("schema");
            assertThat(schema.isMissingNode()).as(c.template() + " " + code + " has a JSON schema").isFalse();
            List<String> errors = new ArrayList<>();
            validate(ApiJson.JSON.readTree(RawHttp.body(r)), schema, c.method() + " " + c.path(), errors);
            assertThat(errors).as(r).isEmpty();
        }
        // the event stream is what the document says it is
        try (RawHttp h = new RawHttp(socket)) {
            h.send("GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
            BufferedReader in = new BufferedReader(new InputStreamReader(java.nio.channels.Channels.newInputStream(h.channel), StandardCharsets.UTF_8));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 OK");
            String line;
            boolean typed = false;
            while (!(line = in.readLine()).isEmpty()) {
                typed |= line.equalsIgnoreCase("Content-Type: text/event-stream");
            }
            assertThat(typed).isTrue();
        }
    }

    @Test
    void curlTalksToTheSocket() throws Exception {
        Process p = new ProcessBuilder("curl", "-sS", "--unix-socket", socket.toString(), "http://localhost/machine").start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).isZero();
        List<String> errors = new ArrayList<>();
        validate(ApiJson.JSON.readTree(out), api.path("components").path("schemas").path("Machine"), "curl /machine", errors);
        assertThat(errors).as(out).isEmpty();

        p = new ProcessBuilder("curl", "-sS", "--unix-socket", socket.toString(), "-X", "PUT", "-H", "Content-Type: application/json",
                "-d", "{\"action\":\"exec\",\"type\":\"sideways\"}", "-w", "\n%{http_code}", "http://localhost/actions").start();
        String[] lines = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n");
        assertThat(p.waitFor()).isZero();
        assertThat(lines[lines.length - 1]).isEqualTo("400");
        JsonNode fault = ApiJson.JSON.readTree(lines[0]);
        assertThat(fault.path("fault_message").asText()).startsWith("action.type: \"sideways\" is neither default nor crash");
        assertThat(fault.path("errno").asText()).isEqualTo("EINVAL");

        p = new ProcessBuilder("curl", "-sS", "--unix-socket", socket.toString(), "-X", "PUT", "-H", "Content-Type: application/json",
                "-d", "{\"action\":\"pause\"}", "-w", "%{http_code}", "http://localhost/actions").start();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("204");
        assertThat(p.waitFor()).isZero();
    }

    private static JsonNode resolve(JsonNode n) {
        while (n.has("$ref")) {
            String[] path = n.get("$ref").asText().substring(2).split("/");
            JsonNode t = api;
            for (String s : path) {
                t = t.path(s);
            }
            n = t;
        }
        return n;
    }

    /** A small JSON Schema check of what the document uses: type, required, properties, additionalProperties, enum, pattern, items. */
    static void validate(JsonNode v, JsonNode schema, String at, List<String> errors) {
        schema = resolve(schema);
        String type = schema.path("type").asText("");
        boolean ok = switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber();
            case "boolean" -> v.isBoolean();
            default -> true;
        };
        if (!ok) {
            errors.add(at + ": " + v + " is not " + type);
            return;
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode e : schema.get("enum")) {
                found |= e.equals(v) || (e.isNumber() && v.isNumber() && e.asLong() == v.asLong());
            }
            if (!found) {
                errors.add(at + ": " + v + " not in " + schema.get("enum"));
            }
        }
        if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(v.asText()).find()) {
            errors.add(at + ": " + v + " does not match " + schema.get("pattern"));
        }
        if (v.isObject()) {
            for (JsonNode r : schema.path("required")) {
                if (!v.has(r.asText())) {
                    errors.add(at + "." + r.asText() + ": required");
                }
            }
            for (Iterator<String> it = v.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                JsonNode p = schema.path("properties").path(f);
                if (p.isMissingNode()) {
                    if (schema.path("additionalProperties").isBoolean() && !schema.path("additionalProperties").asBoolean()) {
                        errors.add(at + "." + f + ": not in the schema");
                    }
                } else {
                    validate(v.get(f), p, at + "." + f, errors);
                }
            }
        }
        if (v.isArray() && schema.has("items")) {
            for (int i = 0; i < v.size(); i++) {
                validate(v.get(i), schema.get("items"), at + "[" + i + "]", errors);
            }
        }
    }
}
