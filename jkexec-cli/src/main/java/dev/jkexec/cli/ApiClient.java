package dev.jkexec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.platform.JkexecException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.ContentResponse;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.client.StringRequestContent;
import org.eclipse.jetty.io.Transport;

/**
 * The REST API's client for {@code jkexec ctl} and {@code jkexec dump}: Jetty's HTTP client over
 * the machine's Unix socket. A 2xx reply is its JSON (an empty object for 204); anything else
 * becomes the one-line error of its {@code fault_message}.
 */
final class ApiClient implements AutoCloseable {
    private final HttpClient http = new HttpClient();
    private final Path socket;

    ApiClient(Path socket) {
        this.socket = socket;
        http.setIdleTimeout(0);
        try {
            http.start();
        } catch (Exception e) {
            throw new JkexecException("API client: " + e.getMessage(), e);
        }
    }

    /** The socket: {@code explicit}, else the only live {@code jkexec-<pid>.sock} of this user's machines. */
    static Path socket(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        Path dir = ApiSocket.directory();
        List<Path> live;
        try (Stream<Path> s = Files.isDirectory(dir) ? Files.list(dir) : Stream.empty()) {
            live = s.filter(p -> p.getFileName().toString().matches("jkexec-\\d+\\.sock"))
                    .filter(p -> ProcessHandle.of(Long.parseLong(p.getFileName().toString().replaceAll("\\D", ""))).isPresent())
                    .toList();
        } catch (IOException e) {
            throw new JkexecException("looking for a running machine in " + dir + ": " + e.getMessage(), e);
        }
        if (live.size() != 1) {
            throw new JkexecException(live.isEmpty() ? "no running machine (start one with jkexec run; or give --api PATH)"
                    : "several running machines " + live + ": give --api PATH");
        }
        return live.getFirst();
    }

    JsonNode get(String path) {
        return send("GET", path, null, null);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null, null);
    }

    JsonNode put(String path, ObjectNode body) {
        return send("PUT", path, body.toString().getBytes(StandardCharsets.UTF_8), "application/json");
    }

    JsonNode post(String path, byte[] body) {
        return send("POST", path, body, "application/octet-stream");
    }

    private JsonNode send(String method, String path, byte[] body, String type) {
        try {
            var r = http.newRequest("http://localhost" + path).transport(new Transport.TCPUnix(socket)).method(method);
            if (body != null) {
                r.body(new BytesRequestContent(type, body));
            }
            ContentResponse response = r.send();
            byte[] content = response.getContent();
            JsonNode json = content.length == 0 ? ApiJson.JSON.createObjectNode() : ApiJson.JSON.readTree(content);
            if (response.getStatus() / 100 != 2) {
                throw new JkexecException(json.path("fault_message").asText("HTTP " + response.getStatus()));
            }
            return json;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JkexecException("API " + socket + ": interrupted");
        } catch (ExecutionException | TimeoutException | IOException e) {
            Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new JkexecException("API " + socket + ": " + c.getMessage(), e);
        }
    }

    /** Reads {@code GET /events} until {@code each} returns false or the stream ends; each event's data as JSON. */
    void events(java.util.function.Predicate<JsonNode> each) {
        events(() -> { }, each);
    }

    /** {@link #events(java.util.function.Predicate)}, telling {@code subscribed} once the server has the subscription. */
    void events(Runnable subscribed, java.util.function.Predicate<JsonNode> each) {
        InputStreamResponseListener listener = new InputStreamResponseListener();
        http.newRequest("http://localhost/events").transport(new Transport.TCPUnix(socket)).send(listener);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean first = true;
            while ((line = in.readLine()) != null) {
                if (first) {
                    subscribed.run(); // the server's opening comment: it is subscribed
                    first = false;
                }
                if (line.startsWith("data: ") && !each.test(ApiJson.JSON.readTree(line.substring(6)))) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new JkexecException("API " + socket + " events: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // nothing left to release
        }
    }
}
