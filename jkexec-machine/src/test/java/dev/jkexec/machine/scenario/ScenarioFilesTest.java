package dev.jkexec.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.NeedsQemu;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Machine tests (QEMU, TCG): every scenario file beside this test runs to PASS. */
@NeedsQemu
class ScenarioFilesTest {
    @TempDir
    Path dumps;

    static Stream<Path> scenarios() throws IOException, URISyntaxException {
        Path dir = Path.of(ScenarioFilesTest.class.getResource("exec-32-bit-entries.json").toURI()).getParent();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void runsToPass(Path file) throws IOException {
        Scenario s = ScenarioParser.parse(Files.readString(file), dumps);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ScenarioRunner.Result r = new ScenarioRunner(new PrintStream(log, true, StandardCharsets.UTF_8),
                o -> o.dumpDirectory(dumps), true).run(s);
        assertThat(r.passed()).as(log.toString(StandardCharsets.UTF_8)).isTrue();
    }
}
