package dev.jkexec.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.util.List;
import org.junit.jupiter.api.Test;

@Pure
class StatsTest {
    @Test
    void medianOfOddAndEvenCounts() {
        assertThat(Stats.of(List.of(3.0, 1.0, 2.0))).isEqualTo(new Stats(3, 1, 2, 3));
        assertThat(Stats.of(List.of(4.0, 1.0, 3.0, 2.0))).isEqualTo(new Stats(4, 1, 2.5, 4));
        assertThat(Stats.of(List.of(7.0))).isEqualTo(new Stats(1, 7, 7, 7));
    }

    @Test
    void noValuesOrNaNAreRefused() {
        assertThatThrownBy(() -> Stats.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Stats.of(List.of(1.0, Double.NaN))).hasMessageContaining("NaN");
    }
}
