package dev.jkexec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Sends one request to a running machine's control socket ({@link ControlServer}) and returns the reply. */
final class ControlClient {
    private ControlClient() {
    }

    /** The socket: {@code explicit}, else the only live {@code jkexec-<pid>.sock} in the temp directory. */
    static Path socket(Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<Path> live;
        try (Stream<Path> s = Files.list(tmp)) {
            live = s.filter(p -> p.getFileName().toString().matches("jkexec-\\d+\\.sock"))
                    .filter(p -> ProcessHandle.of(Long.parseLong(p.getFileName().toString().replaceAll("\\D", ""))).isPresent())
                    .toList();
        } catch (IOException e) {
            throw new JkexecException("looking for a running machine in " + tmp + ": " + e.getMessage(), e);
        }
        if (live.size() != 1) {
            throw new JkexecException(live.isEmpty() ? "no running machine (start one with jkexec run; or give --api PATH)"
                    : "several running machines " + live + ": give --api PATH");
        }
        return live.getFirst();
    }

    static JsonNode call(Path socket, String request) {
        return call(socket, request, p -> { });
    }

    /** Sends {@code request}; lines with a "progress" field go to {@code progress}, the first other line is the reply. */
    static JsonNode call(Path socket, String request, java.util.function.Consumer<JsonNode> progress) {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap((request + "\n").getBytes(StandardCharsets.UTF_8)));
            StringBuilder reply = new StringBuilder();
            ByteBuffer b = ByteBuffer.allocate(4096);
            ObjectMapper json = new ObjectMapper();
            while (true) {
                int nl;
                while ((nl = reply.indexOf("\n")) >= 0) {
                    JsonNode line = json.readTree(reply.substring(0, nl));
                    reply.delete(0, nl + 1);
                    if (line != null && line.has("progress") && !line.has("ok")) {
                        progress.accept(line);
                    } else {
                        return line;
                    }
                }
                if (reply.length() >= ControlServer.MAX_LINE || c.read(b.clear()) <= 0) {
                    throw new JkexecException("control socket " + socket + ": no complete reply");
                }
                reply.append(StandardCharsets.UTF_8.decode(b.flip()));
            }
        } catch (IOException e) {
            throw new JkexecException("control socket " + socket + ": " + e.getMessage(), e);
        }
    }
}
