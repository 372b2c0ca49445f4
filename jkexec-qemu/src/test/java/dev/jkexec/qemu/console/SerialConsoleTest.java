package dev.jkexec.qemu.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import dev.jkexec.qemu.common.PeerDiagnosis;
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
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The console against a plain socket peer standing in for QEMU's serial chardev. */
@Timeout(20)
@Pure
class SerialConsoleTest {
    static final PeerDiagnosis DIED = new PeerDiagnosis("fake-qemu (pid 7) exited with status 1", "oops\n");
    static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    ServerSocketChannel server;
    SocketChannel guest;
    SerialConsole console;

    @BeforeEach
    void connect() throws IOException {
        open(ConsoleOptions.defaults());
    }

    private void open(ConsoleOptions options) throws IOException {
        Path path = dir.resolve("serial-" + System.nanoTime() + ".sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(path));
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
        client.connect(UnixDomainSocketAddress.of(path));
        guest = server.accept();
        console = SerialConsole.start(client, System.nanoTime(), options, () -> DIED);
    }

    @AfterEach
    void close() throws IOException {
        console.close();
        guest.close();
        server.close();
    }

    private void print(String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            guest.write(b);
        }
    }

    @Test
    void linesAreNumberedStampedAndFoundFromAMark() throws IOException {
        long mark = console.mark();
        print("Linux version 6.1.0\r\nCommand line: console=ttyS0\r\n");

        ConsoleLine l = console.awaitLine(Pattern.compile("Command line"), WAIT, mark);

        assertThat(l.index()).isEqualTo(1);
        assertThat(l.text()).isEqualTo("Command line: console=ttyS0");
        assertThat(l.sinceStart()).isPositive();
        // A line that arrived before the wait is found from an earlier mark, not from "now".
        assertThat(console.awaitLine(Pattern.compile("^Linux version"), WAIT, mark).index()).isZero();
        assertThatThrownBy(() -> console.awaitLine(Pattern.compile("^Linux version"), Duration.ofMillis(100)))
                .isInstanceOf(ConsoleTimeoutException.class)
                .hasMessage("no console line matching /^Linux version/ within 100 ms (2 lines so far; last: 'Command line: console=ttyS0')");
        assertThat(console.lines()).extracting(ConsoleLine::text).containsExactly("Linux version 6.1.0", "Command line: console=ttyS0");
    }

    @Test
    void listenersSeeLinesAndRawBytes() throws Exception {
        BlockingQueue<ConsoleLine> lines = new LinkedBlockingQueue<>();
        BlockingQueue<byte[]> raw = new LinkedBlockingQueue<>();
        console.addLineListener(lines::add);
        console.addRawListener(raw::add);

        print("a\r\nb\n");

        assertThat(lines.poll(10, TimeUnit.SECONDS).text()).isEqualTo("a");
        assertThat(lines.poll(10, TimeUnit.SECONDS).text()).isEqualTo("b");
        StringBuilder bytes = new StringBuilder();
        while (bytes.length() < 5) {
            bytes.append(new String(raw.poll(10, TimeUnit.SECONDS), StandardCharsets.UTF_8));
        }
        assertThat(bytes.toString()).isEqualTo("a\r\nb\n");
    }

    @Test
    void sendTypesIntoTheGuest() throws IOException {
        console.send("root\n".getBytes(StandardCharsets.UTF_8));

        ByteBuffer in = ByteBuffer.allocate(5);
        while (in.hasRemaining()) {
            guest.read(in);
        }
        assertThat(new String(in.array(), StandardCharsets.UTF_8)).isEqualTo("root\n");
    }

    @Test
    void peerClosingFailsWaitersWithTheDiagnosisAndKeepsThePartialLine() throws IOException {
        print("Kernel panic - not syncing: no init");
        guest.close();

        assertThatThrownBy(() -> console.awaitLine(Pattern.compile("login:"), Duration.ofSeconds(30)))
                .isInstanceOfSatisfying(ConsoleClosedException.class, e -> assertThat(e.qemuOutput()).isEqualTo("oops\n"))
                .hasMessage("console closed before a line matching /login:/: console closed: fake-qemu (pid 7) exited with status 1: oops");
        assertThat(console.awaitLine(Pattern.compile("Kernel panic"), WAIT, 0).text()).isEqualTo("Kernel panic - not syncing: no init");
        assertThat(console.isOpen()).isFalse();
        assertThatThrownBy(() -> console.send(new byte[] {'x'})).isInstanceOf(ConsoleClosedException.class);
    }

    @Test
    void teesRawBytesToTheLogFile() throws IOException {
        console.close();
        Path log = dir.resolve("console.log");
        open(ConsoleOptions.defaults().withLogFile(Optional.of(log)));

        print("one\r\ntwo\r\n");
        console.awaitLine(Pattern.compile("two"), WAIT, 0);
        guest.close();
        assertThatThrownBy(() -> console.awaitLine(Pattern.compile("never"), WAIT)).isInstanceOf(ConsoleClosedException.class);

        assertThat(Files.readString(log)).isEqualTo("one\r\ntwo\r\n");
    }

    @Test
    void timeoutMessagesStayOnOneLine() throws IOException {
        print("\u001b[1mbold\u001b[0m\n");
        console.awaitLine(Pattern.compile("bold"), WAIT, 0);

        assertThatThrownBy(() -> console.awaitLine(Pattern.compile("x"), Duration.ofMillis(10)))
                .hasMessageEndingWith("last: '\\x1b[1mbold\\x1b[0m')");
    }

    @Test
    void historyIsBounded() throws IOException {
        console.close();
        open(ConsoleOptions.defaults().withHistoryLines(3));

        print("1\n2\n3\n4\n5\n");
        console.awaitLine(Pattern.compile("5"), WAIT, 0);

        assertThat(console.lines()).extracting(ConsoleLine::text).containsExactly("3", "4", "5");
        assertThat(console.mark()).isEqualTo(5);
    }
}
