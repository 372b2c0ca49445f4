package dev.jkexec.bench.timeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

@Pure
class TimelineTest {
    private static final Pattern BANNER = Pattern.compile("Linux version \\d");

    private final Timeline t = new Timeline(List.of(
            new Stamp(0.08, "SeaBIOS (version 1.16.2)"),
            new Stamp(2.61, "[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)"),
            new Stamp(5.40, "[    2.712345] PB: INIT-READY gen=1"),
            new Stamp(5.41, "[    2.800000] PB: KEXEC-E"),
            new Stamp(8.90, "[    0.000000] Linux version 6.1.0-56-amd64 (again)"),
            new Stamp(11.2, "[    2.300000] PB: INIT-READY gen=2")));

    @Test
    void firstMatchesInOrderAndFromATime() {
        assertThat(t.first(BANNER)).map(Stamp::seconds).contains(2.61);
        assertThat(t.first(BANNER, 3.0)).map(Stamp::seconds).contains(8.90);
        assertThat(t.first(Pattern.compile("nothing"))).isEmpty();
    }

    @Test
    void firstAfterALineIsTheNextKernelsLine() {
        Stamp request = t.first(Pattern.compile("KEXEC-E")).orElseThrow();
        assertThat(t.firstAfter(BANNER, request)).map(Stamp::seconds).contains(8.90);
        assertThat(t.secondsAfter(request, Pattern.compile("INIT-READY gen=2")).getAsDouble()).isCloseTo(5.79, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(t.secondsAfter(request, Pattern.compile("SeaBIOS"))).isEmpty();
    }

    @Test
    void printkStampIsTheGuestsUptime() {
        assertThat(t.lines().get(2).printk()).hasValue(2.712345);
        assertThat(t.lines().get(0).printk()).isEmpty();
    }

    @Test
    void renderIsOneStampedLinePerLine() {
        assertThat(t.render().lines().toList()).hasSize(6).first().asString().isEqualTo("  0.080000 SeaBIOS (version 1.16.2)");
    }

    @Test
    void stampedLinesReadsAProcessOutputAndWaitsForAMatch() {
        byte[] out = "first\r\nLinux version 6.1\nlast line without newline".getBytes(StandardCharsets.ISO_8859_1);
        StampedLines lines = StampedLines.start(new ByteArrayInputStream(out), System.nanoTime(), "test");
        assertThat(lines.await(BANNER, Duration.ofSeconds(5), 0)).map(Stamp::text).contains("Linux version 6.1");
        assertThat(lines.awaitEnd(Duration.ofSeconds(5))).isTrue();
        assertThat(lines.timeline().lines()).extracting(Stamp::text).containsExactly("first", "Linux version 6.1",
                "last line without newline");
        assertThat(lines.await(Pattern.compile("never"), Duration.ofSeconds(5), 0)).as("ended output: no wait").isEmpty();
        assertThat(lines.await(Pattern.compile("first"), Duration.ofSeconds(5), 1)).as("only from the mark").isEmpty();
    }
}
