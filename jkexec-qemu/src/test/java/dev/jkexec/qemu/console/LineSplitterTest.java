package dev.jkexec.qemu.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@Pure
class LineSplitterTest {
    private final List<String> lines = new ArrayList<>();

    private void feed(LineSplitter s, String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        s.feed(b, b.length, lines::add);
    }

    @Test
    void splitsOnNewlineAndDropsCarriageReturns() {
        LineSplitter s = new LineSplitter(1024);
        feed(s, "Linux version 6.1\r\nsecond\n\nfou");
        feed(s, "rth\rx\n");

        assertThat(lines).containsExactly("Linux version 6.1", "second", "", "fourthx");
    }

    @Test
    void keepsAPartialLineUntilFlushed() {
        LineSplitter s = new LineSplitter(1024);
        feed(s, "login: ");
        assertThat(lines).isEmpty();

        s.flush(lines::add);
        s.flush(lines::add);

        assertThat(lines).containsExactly("login: ");
    }

    @Test
    void cutsOverlongLines() {
        LineSplitter s = new LineSplitter(100);
        feed(s, "a".repeat(250) + "\n");

        assertThat(lines).containsExactly("a".repeat(100), "a".repeat(100), "a".repeat(50));
    }

    @Test
    void decodesUtf8SplitAcrossChunksAndReplacesGarbage() {
        LineSplitter s = new LineSplitter(1024);
        byte[] euro = "€\n".getBytes(StandardCharsets.UTF_8);
        s.feed(new byte[] {euro[0]}, 1, lines::add);
        s.feed(new byte[] {euro[1], euro[2], euro[3]}, 3, lines::add);
        s.feed(new byte[] {(byte) 0xff, 'x', '\n'}, 3, lines::add);

        assertThat(lines).containsExactly("€", "\uFFFDx");
    }
}
