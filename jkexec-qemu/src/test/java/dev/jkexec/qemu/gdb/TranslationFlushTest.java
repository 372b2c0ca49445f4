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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The translation flush's protocol against an in-test fake stub; the flush on real QEMU is in DmaOverwriteExecTest. */
@Pure
class TranslationFlushTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final StubSockets sockets = new StubSockets();

    @AfterEach
    void clean() throws IOException {
        sockets.clean();
    }


    @Test
    void what_is_encoded_decodes_to_the_same_request() {
        for (String data : List.of("s", "?", "Z1,1000200,1", "qemu.sstep=0x1", "")) {
            byte[] wire = GdbPackets.encode(data);
            int[] at = {0};
            assertThat(GdbPackets.read(() -> wire[at[0]++] & 0xFF, GdbStub.MAX_PACKET)).isEqualTo(data);
            assertThat(at[0]).isEqualTo(wire.length);
        }
        assertThat(packet("s")).isEqualTo("$s#73");
        assertThat(packet("?")).isEqualTo("$?#3f");
        assertThatThrownBy(() -> GdbPackets.encode("m$1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("0x24 at 1");
    }

    /** The thread of the last {@link #fake} stub: it ends when the client closes its connection. */
    private Thread lastStub;

    /** A fake stub: answers the n-th request with replies[n] (QEMU's '+' ack first), records every byte received. */
    private Path fake(StringBuilder received, String... replies) throws IOException {
        Path sock = sockets.newSocket("f.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                ByteBuffer b = ByteBuffer.allocate(1);
                StringBuilder pending = new StringBuilder();
                int next = 0;
                while (c.read(b.clear()) > 0) {
                    synchronized (received) {
                        received.append((char) b.get(0));
                    }
                    pending.append((char) b.get(0));
                    int hash = pending.indexOf("#");
                    if (hash >= 0 && pending.length() >= hash + 3) {
                        pending.setLength(0);
                        if (next < replies.length) {
                            c.write(ByteBuffer.wrap(("+" + replies[next++]).getBytes(StandardCharsets.US_ASCII)));
                        }
                    }
                }
            } catch (IOException e) {
                // the client went away
            }
        });
        t.setDaemon(true);
        t.start();
        lastStub = t;
        return sock;
    }

    private static SocketChannel connect(Path sock) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        ch.connect(UnixDomainSocketAddress.of(sock));
        return ch;
    }

    @Test
    void a_step_skips_earlier_stops_and_returns_at_its_own_trap_never_acknowledging() throws Exception {
        StringBuilder received = new StringBuilder();
        // '?' → T05; 's' → a QMP stop's T02 still in the stream, then the step's T05.
        Path sock = fake(received, packet("T05thread:01;"), packet("T02thread:01;") + packet("T05thread:01;"));
        try (TranslationFlush f = TranslationFlush.open(connect(sock), TIMEOUT)) {
            f.flush(TIMEOUT);
        }
        lastStub.join(TIMEOUT.toMillis()); // every byte the client sent has been read once the stub saw its close
        assertThat(lastStub.isAlive()).as("the fake stub saw the client close").isFalse();
        synchronized (received) {
            // exactly the two requests: no '+' (an ack QEMU no longer waits for would stop a running guest)
            assertThat(received.toString()).isEqualTo("$?#3f$s#73");
        }
    }

    /**
     * QEMU writes every stop report with a blocking write: a stub that reports far more stops than a
     * socket buffer holds (2 MiB here) finishes only if the client reads them away, and a step still
     * finds its own trap after.
     */
    @Test
    void drain_reads_away_stop_reports_so_the_stub_never_blocks_and_a_step_still_works() throws Exception {
        Path sock = sockets.newSocket("d.sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        java.util.concurrent.CountDownLatch reported = new java.util.concurrent.CountDownLatch(1);
        byte[] stops = packet("T02thread:p01.01;").repeat(2 * 1024 * 1024 / 20).getBytes(StandardCharsets.US_ASCII);
        Thread t = new Thread(() -> {
            try (server; SocketChannel c = server.accept()) {
                ByteBuffer b = ByteBuffer.allocate(64);
                c.read(b); // '?'
                c.write(ByteBuffer.wrap(("+" + packet("T05thread:01;")).getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer all = ByteBuffer.wrap(stops);
                while (all.hasRemaining()) {
                    c.write(all); // blocks while the client's buffer is full
                }
                reported.countDown();
                c.read(b.clear()); // 's'
                c.write(ByteBuffer.wrap(("+" + packet("T05thread:01;")).getBytes(StandardCharsets.US_ASCII)));
                c.read(b.clear());
            } catch (IOException e) {
                // the client went away
            }
        });
        t.setDaemon(true);
        t.start();
        try (TranslationFlush f = TranslationFlush.open(connect(sock), TIMEOUT)) {
            long discarded = 0;
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!reported.await(1, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                assertThat(System.nanoTime()).as("the stub is still blocked in its write").isLessThan(deadline);
                discarded += f.drain();
            }
            discarded += f.drain();
            assertThat(discarded).isEqualTo(stops.length);
            f.flush(TIMEOUT);
        }
    }

    @Test
    void a_reply_that_is_not_the_expected_stop_is_an_error_naming_it() throws Exception {
        Path refused = fake(new StringBuilder(), packet("T05"), packet("E22"));
        try (TranslationFlush f = TranslationFlush.open(connect(refused), TIMEOUT)) {
            assertThatThrownBy(() -> f.flush(TIMEOUT)).isInstanceOf(GdbException.class)
                    .hasMessage("gdbstub answered 's' with expected a stop reply, got 'E22'");
        }
        Path wrongSignal = fake(new StringBuilder(), packet("T02thread:01;"));
        assertThatThrownBy(() -> TranslationFlush.open(connect(wrongSignal), TIMEOUT)).isInstanceOf(GdbException.class)
                .hasMessage("gdbstub answered '?' with stop signal 2, expected 5 (SIGTRAP)");
        Path badSum = fake(new StringBuilder(), "$T05#00");
        assertThatThrownBy(() -> TranslationFlush.open(connect(badSum), TIMEOUT)).hasMessageContaining("checksum");
    }

    @Test
    void a_silent_peer_ends_at_the_deadline_and_a_closed_one_at_once() throws Exception {
        Path silent = fake(new StringBuilder(), packet("T05"));
        try (TranslationFlush f = TranslationFlush.open(connect(silent), TIMEOUT)) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> f.flush(Duration.ofMillis(200))).isInstanceOf(GdbTimeoutException.class)
                    .hasMessage("gdbstub: no reply to 's' within the deadline");
            assertThat(System.nanoTime() - t0).isLessThan(Duration.ofSeconds(3).toNanos());
        }
        // QEMU gone (or its stub removed, HMP "gdbserver none"): the peer closes the connection
        Path sock = sockets.newSocket("c.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            SocketChannel ch = connect(sock);
            server.accept().close();
            assertThatThrownBy(() -> TranslationFlush.open(ch, Duration.ofSeconds(2))).isInstanceOf(GdbException.class)
                    .isNotInstanceOf(GdbTimeoutException.class).hasMessageContaining("gdbstub");
        }
    }
}
