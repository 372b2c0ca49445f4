package dev.jkexec.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** HTTP/1.1 written by hand onto the API's socket, as a hostile or clumsy client would: raw bytes in, the raw response out. */
final class RawHttp implements AutoCloseable {
    final SocketChannel channel;

    RawHttp(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
    }

    RawHttp send(byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
        return this;
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Everything the server sends until it closes the connection. */
    String response() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Channels.newInputStream(channel).transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** One request with a JSON body (Connection: close): the whole response. */
    static String request(Path socket, String method, String path, byte[] body) throws IOException {
        try (RawHttp h = new RawHttp(socket)) {
            h.send(method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                    + (body == null ? "" : "Content-Length: " + body.length + "\r\n") + "\r\n");
            if (body != null) {
                try {
                    h.send(body);
                } catch (IOException refusedEarly) {
                    // the server may answer from the declared length (413) and close before the body is
                    // written: its answer is still in the socket to be read
                }
            }
            return h.response();
        }
    }

    static String request(Path socket, String method, String path, String body) throws IOException {
        return request(socket, method, path, body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    }

    /** The status code of a raw response. */
    static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    /** The body of a raw response (after the blank line). */
    static String body(String response) {
        int i = response.indexOf("\r\n\r\n");
        return i < 0 ? "" : response.substring(i + 4);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
