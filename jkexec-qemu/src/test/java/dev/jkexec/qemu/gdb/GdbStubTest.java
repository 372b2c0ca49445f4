package dev.jkexec.qemu.gdb;

import static dev.jkexec.qemu.gdb.StubSockets.packet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The protocol side against an in-test fake stub; breakpoints on real QEMU are in the machine tests. */
@Pure
class GdbStubTest {
    private final StubSockets sockets = new StubSockets();

    @AfterEach
    void clean() throws IOException {
        sockets.clean();
    }


    /** A fake stub that answers each request with the next scripted reply and records requests. */
    private Path fake(StringBuilder seen, String... replies) throws IOException {
        Path sock = sockets.newSocket("g.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                ByteBuffer b = ByteBuffer.allocate(1);
                StringBuilder pending = new StringBuilder();
                int next = 0;
                while (next < replies.length && c.read(b.clear()) > 0) {
                    pending.append((char) b.get(0));
                    // A request is complete at '#' plus two checksum digits; acks ('+') are skipped.
                    int hash = pending.indexOf("#");
                    if (pending.indexOf("$") >= 0 && hash >= 0 && pending.length() >= hash + 3) {
                        seen.append(pending.substring(pending.indexOf("$"), hash + 3)).append('|');
                        pending.setLength(0);
                        c.write(ByteBuffer.wrap(("+" + replies[next++]).getBytes(StandardCharsets.US_ASCII)));
                    }
                }
                c.read(ByteBuffer.allocate(16)); // the final ack
            } catch (IOException e) {
                // the client went away
            }
        });
        t.setDaemon(true);
        t.start();
        return sock;
    }

    /** Fuzzing finding (GdbFuzzTest, inputs crash-4351cc1f…, crash-b80dd58c…): a reply was quoted raw, newlines and all. */
    @Test
    void a_malformed_reply_is_quoted_on_one_line() {
        assertThatThrownBy(() -> GdbStub.parseStop("T+\n\u00ff$S02")).isInstanceOf(GdbException.class)
                .hasMessage("gdbstub: malformed stop reply 'T+\\x0a\\xff$S02'");
        assertThatThrownBy(() -> GdbStub.expectOk("E\r\n01", "Z1 at 0x1000")).isInstanceOf(GdbException.class)
                .hasMessage("gdbstub refused Z1 at 0x1000: 'E\\x0d\\x0a01'");
    }

    @Test
    void insertsHardwareBreakpointsAndReportsTheStop() throws IOException {
        StringBuilder seen = new StringBuilder();
        Path sock = fake(seen, packet("T05thread:01;"), packet("OK"), packet("T05thread:01;"));
        try (GdbStub stub = GdbStub.connect(sock, Duration.ofSeconds(5))) {
            stub.insertBreakpoint(0x1000200, Duration.ofSeconds(5));
            stub.resume();
            GdbStub.Stop stop = stub.awaitStop(Duration.ofSeconds(5));
            assertThat(stop.trap()).isTrue();
        }
        assertThat(seen.toString()).contains("$?#3f", "$Z1,1000200,1#", "$c#63");
    }

    @Test
    void refusalsAndGarbageAreTypedErrors() throws IOException {
        StringBuilder seen = new StringBuilder();
        Path sock = fake(seen, packet("T05"), packet("E22"));
        try (GdbStub stub = GdbStub.connect(sock, Duration.ofSeconds(5))) {
            assertThatThrownBy(() -> stub.insertBreakpoint(0x10, Duration.ofSeconds(5)))
                    .isInstanceOf(GdbException.class).hasMessageContaining("E22");
        }
        Path bad = fake(seen, "$T05#00");
        assertThatThrownBy(() -> GdbStub.connect(bad, Duration.ofSeconds(5))).hasMessageContaining("checksum");
    }

    @Test
    void silenceEndsAtTheDeadline() throws IOException {
        AtomicReference<Throwable> error = new AtomicReference<>();
        StringBuilder seen = new StringBuilder();
        Path sock = fake(seen, packet("T05"), "");
        try (GdbStub stub = GdbStub.connect(sock, Duration.ofSeconds(5))) {
            stub.resume();
            try {
                stub.awaitStop(Duration.ofMillis(200));
            } catch (GdbException e) {
                error.set(e);
            }
        }
        assertThat(error.get()).hasMessageContaining("deadline");
        assertThatThrownBy(() -> GdbStub.parseStop("OK")).hasMessageContaining("expected a stop reply");
    }
}
