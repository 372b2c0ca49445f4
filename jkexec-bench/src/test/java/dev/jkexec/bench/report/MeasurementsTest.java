package dev.jkexec.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

@Pure
class MeasurementsTest {
    @Test
    void tsvRoundTripKeepsOrderAndValues() {
        Measurements m = new Measurements();
        m.add("boot", Systems.QEMU_DIRECT, Systems.BANNER, 2.66);
        m.add("boot", Systems.JK_VMLINUX, Systems.BANNER, 0.25);
        m.add("boot", Systems.QEMU_DIRECT, Systems.BANNER, 2.70);
        m.add("boot", Systems.JK_VMLINUX, Systems.phase("firmware: entering the image"), 0.2);
        Measurements back = Measurements.parseTsv(m.toTsv());
        assertThat(back.keys()).isEqualTo(m.keys());
        assertThat(back.values(new Key("boot", Systems.QEMU_DIRECT, Systems.BANNER))).containsExactly(2.66, 2.70);
        assertThat(back.systems("boot")).containsExactly(Systems.QEMU_DIRECT, Systems.JK_VMLINUX);
        assertThat(back.metrics("boot", Systems.JK_VMLINUX)).containsExactly(Systems.BANNER, Systems.phase("firmware: entering the image"));
        assertThat(back.stats(new Key("boot", Systems.QEMU_DIRECT, Systems.BANNER)).orElseThrow().median()).isEqualTo(2.68);
    }

    @Test
    void badLinesAreNamed() {
        assertThatThrownBy(() -> Measurements.parseTsv("scenario\tsystem\tmetric\trun\tvalue\nboot\tx\ty\t1\n"))
                .hasMessageContaining("line 2").hasMessageContaining("4 fields");
        assertThatThrownBy(() -> Measurements.parseTsv("boot\tx\ty\t1\tfast\n")).hasMessageContaining("'fast' is not a number");
    }

    @Test
    void tabsInNamesAndNonNumbersAreRefused() {
        assertThatThrownBy(() -> new Key("a\tb", "s", "m")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Measurements().add("a", "s", "m", Double.POSITIVE_INFINITY))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
