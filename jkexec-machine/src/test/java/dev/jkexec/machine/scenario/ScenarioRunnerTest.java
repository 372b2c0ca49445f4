package dev.jkexec.machine.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

@Pure
class ScenarioRunnerTest {
    @Test
    void consoleLinesAreShownWithoutTerminalControlSequences() {
        assertThat(ScenarioRunner.printable("/ # \u001b[6n[    0.000000] Linux version 6.1\r"))
                .isEqualTo("/ # [    0.000000] Linux version 6.1");
        assertThat(ScenarioRunner.printable("plain\tline")).isEqualTo("plain\tline");
    }
}
