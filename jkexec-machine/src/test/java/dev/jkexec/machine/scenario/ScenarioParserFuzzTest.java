package dev.jkexec.machine.scenario;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: the scenario JSON reader ({@link ScenarioParser#parse}), which {@code jkexec
 * scenario} and {@code jkexec demo} run on a user's file. The bytes are decoded as UTF-8 with
 * replacement (the file layer that refuses invalid UTF-8 is issue 14's item 1). Beyond "only
 * {@link ScenarioException}": a parsed scenario has at least one step, each with a title, and
 * every path it names resolves under the scenario's directory or the test data. Seeds: the
 * scenarios of jkexec-machine's tests and the demo.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class ScenarioParserFuzzTest {
    static final int MAX_INPUT = 64 << 10;
    static final Path BASE = Path.of("/nonexistent/jkexec-fuzz");

    @FuzzTest
    void scenario(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, ScenarioException.class, bytes -> {
            Scenario s = ScenarioParser.parse(new String(bytes, StandardCharsets.UTF_8), BASE);
            check(!s.steps().isEmpty(), "a scenario without steps");
            for (Step step : s.steps()) {
                check(step.title() != null, "a step without a title");
            }
        });
    }
}
