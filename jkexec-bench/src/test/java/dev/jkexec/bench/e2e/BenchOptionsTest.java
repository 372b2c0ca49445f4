package dev.jkexec.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

@Pure
class BenchOptionsTest {
    @Test
    void fullModeRunsFiveTimesWithFullJmh() {
        BenchOptions o = BenchOptions.parse(new String[] {"--root", "/r"});
        assertThat(o.runs()).isEqualTo(5);
        assertThat(o.jmh()).isEqualTo("full");
        assertThat(o.jmhArgs()).containsSequence("-wi", "5", "-i", "10", "-f", "1");
        assertThat(o.only()).containsExactlyInAnyOrder("boot", "exec", "crash", "load", "dump");
        assertThat(o.jmhInclude()).isEqualTo("dev.jkexec.bench.micro");
        assertThat(o.dumpRuns()).isEqualTo(5);
        assertThat(o.work()).isEqualTo(Path.of("/r/jkexec-bench/target/bench-work"));
        assertThat(o.out()).isEqualTo(Path.of("/r/docs"));
    }

    @Test
    void quickModeAndOverrides() {
        BenchOptions q = BenchOptions.parse(new String[] {"--quick"});
        assertThat(q.runs()).isEqualTo(2);
        assertThat(q.jmh()).isEqualTo("reloc");
        assertThat(q.jmhArgs()).containsSequence("-wi", "1", "-i", "2");
        assertThat(q.jmhInclude()).contains("RelocationBench").matches(".*\\(walk\\|memoryCopy\\)\\$");
        assertThat(q.dumpRuns()).isEqualTo(1);
        BenchOptions o = BenchOptions.parse(new String[] {"--quick", "--runs", "7", "--only", "boot,load", "--jmh", "skip"});
        assertThat(o.runs()).isEqualTo(7);
        assertThat(o.only()).containsExactlyInAnyOrder("boot", "load");
        assertThat(o.jmhArgs()).isEmpty();
    }

    @Test
    void badArgumentsAreNamed() {
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--runs", "0"})).hasMessageContaining("--runs");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--only", "boot,nap"})).hasMessageContaining("'nap'");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--jmh", "some"})).hasMessageContaining("--jmh");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--runs"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> BenchOptions.parse(new String[] {"--fast"})).hasMessageContaining("'--fast'");
    }
}
