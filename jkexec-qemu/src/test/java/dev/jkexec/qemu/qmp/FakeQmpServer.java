package dev.jkexec.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scripted QMP peer on a Unix socket, for protocol tests of {@link QmpClient} (never a stand-in
 * for QEMU in machine tests). The script runs on its own thread against one accepted connection;
 * {@link #close()} closes the sockets and rethrows whatever the script threw.
 */
final class FakeQmpServer implements AutoCloseable {
    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}";
    static final ObjectMapper JSON = new ObjectMapper();

    @FunctionalInterface
    interface Script {
        void run(Connection c) throws Exception;
    }

    private static final java.util.concurrent.atomic.AtomicInteger COUNTER = new java.util.concurrent.atomic.AtomicInteger();

    private final ServerSocketChannel server;
    private final Path path;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile Connection connection;

    private FakeQmpServer(Path dir, Script script) throws IOException {
        path = dir.resolve("fake-qmp-" + COUNTER.incrementAndGet() + ".sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path));
        Thread.ofPlatform().daemon().name("fake-qmp").start(() -> {
            try (SocketChannel ch = server.accept()) {
                connection = new Connection(ch);
                script.run(connection);
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
    }

    static FakeQmpServer start(Path dir, Script script) throws IOException {
        return new FakeQmpServer(dir, script);
    }

    /** The client end of a new connection. */
    SocketChannel connect() throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(path));
        return ch;
    }

    /** Waits for the script to finish and rethrows its failure. */
    void awaitScript() {
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("fake QMP script failed", e);
        }
    }

    @Override
    public void close() throws IOException {
        Connection c = connection;
        if (c != null) {
            c.channel.close();
        }
        server.close();
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            // The client going away (EOF, broken pipe, our own close) ends many scripts: not a failure.
            if (!(e.getCause() instanceof IOException)) {
                throw new AssertionError("fake QMP script failed", e.getCause());
            }
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("fake QMP script did not finish", e);
        }
    }

    /** The server end of the connection. */
    static final class Connection {
        final SocketChannel channel;
        private final ByteBuffer in = ByteBuffer.allocate(1 << 16).flip();

        Connection(SocketChannel channel) {
            this.channel = channel;
        }

        void send(String line) throws IOException {
            sendBytes((line + "\n").getBytes(StandardCharsets.UTF_8));
        }

        void sendBytes(byte[] bytes) throws IOException {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                channel.write(b);
            }
        }

        /** The next request line, parsed. */
        JsonNode request() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                while (in.hasRemaining()) {
                    char c = (char) in.get();
                    if (c == '\n') {
                        return JSON.readTree(line.toString());
                    }
                    line.append(c);
                }
                in.clear();
                if (channel.read(in) < 0) {
                    throw new java.io.EOFException("client closed");
                }
                in.flip();
            }
        }

        /** Keeps the connection open until the client closes it (or the test closes the server). */
        void awaitClose() {
            try {
                while (true) {
                    request();
                }
            } catch (IOException _) {
                // The client is gone: the script is over.
            }
        }

        /** Reads a request, checks its command, and returns it. */
        JsonNode expect(String command) throws IOException {
            JsonNode r = request();
            if (!command.equals(r.path("execute").asText())) {
                throw new AssertionError("expected " + command + ", got " + r);
            }
            return r;
        }

        void reply(JsonNode request, String returnJson) throws IOException {
            send("{\"return\": " + returnJson + ", \"id\": " + request.get("id") + "}");
        }

        void error(JsonNode request, String cls, String desc) throws IOException {
            send("{\"error\": {\"class\": \"" + cls + "\", \"desc\": \"" + desc + "\"}, \"id\": " + request.get("id") + "}");
        }

        void event(String name, String dataJson) throws IOException {
            send("{\"timestamp\": {\"seconds\": 1795256797, \"microseconds\": 164287}, \"event\": \"" + name + "\""
                    + (dataJson == null ? "" : ", \"data\": " + dataJson) + "}");
        }

        /** Greeting and capabilities negotiation, as QEMU does them. */
        void handshake() throws IOException {
            send(GREETING);
            reply(expect("qmp_capabilities"), "{}");
        }
    }
}
