package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.scenario.Scenario;
import dev.jkexec.machine.scenario.ScenarioParser;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's main command. A machine test (QEMU, TCG): the whole demo runs to PASS. */
@NeedsQemu
class DemoCommandTest {
    @Test
    void theBuiltInDemoParsesAndRunsToPass() {
        Scenario s = ScenarioParser.parse(DemoCommand.demo(), Path.of("."));
        assertThat(s.steps()).extracting(st -> st.kind()).contains("boot", "load", "exec", "guest", "panic", "expect-crash");
        StringWriter err = new StringWriter();
        int status = Main.run(new String[] {"demo", "--quiet"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        assertThat(status).as(err.toString()).isZero();
    }
}
