package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

@Pure
class InputsTest {
    @Test
    void sizes() {
        assertThat(Inputs.parseSize("1G")).isEqualTo(1L << 30);
        assertThat(Inputs.parseSize("512M")).isEqualTo(512L << 20);
        assertThat(Inputs.parseSize("512MiB")).isEqualTo(512L << 20);
        assertThat(Inputs.parseSize("2GB")).isEqualTo(2L << 30);
        assertThat(Inputs.parseSize("64k")).isEqualTo(64L << 10);
        assertThat(Inputs.parseSize("0x40000000")).isEqualTo(1L << 30);
        assertThat(Inputs.parseSize("1073741824")).isEqualTo(1L << 30);
        assertThat(Inputs.parseSize("1T")).isEqualTo(1L << 40);
        for (String bad : new String[] {"", "G", "1X", "-1G", "0x", "99999999999T", "1.5G"}) {
            assertThatThrownBy(() -> Inputs.parseSize(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
