package dev.jkexec.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

@Pure
class JkexecExceptionTest {
    /**
     * Fuzzing findings (ScenarioParserFuzzTest: 11 inputs, QmpFuzzTest: 2, all kept): rejections quoted
     * untrusted text — a scenario's unknown key or value, a QMP event's name — with its line breaks.
     */
    @Test
    void a_message_is_one_line_whatever_it_quotes() {
        JkexecException e = new JkexecException("steps[1].expect.li\ne: unknown key; event 'A\r\nB\tC\u0000\u007f\u0085'");
        assertThat(e.getMessage()).isEqualTo("steps[1].expect.li\\x0ae: unknown key; event 'A\\x0d\\x0aB\\x09C\\x00\\x7f\\x85'");
        assertThat(new JkexecException("plain: 0x1 != 0x2 (ü)", null).getMessage()).isEqualTo("plain: 0x1 != 0x2 (ü)");
    }
}
