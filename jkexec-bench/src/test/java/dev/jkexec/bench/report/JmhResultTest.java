package dev.jkexec.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@Pure
class JmhResultTest {
    static final String JSON = """
            [
              {"benchmark": "dev.jkexec.bench.micro.RelocationBench.walk", "mode": "avgt", "params": {"imageMiB": "64"},
               "primaryMetric": {"score": 7.0, "scoreError": 0.4, "scoreUnit": "ms/op", "rawData": [[7.1, 6.9, 7.0]]}},
              {"benchmark": "dev.jkexec.bench.micro.RelocationBench.memoryCopy", "mode": "avgt", "params": {"imageMiB": "64"},
               "primaryMetric": {"score": 4.0, "scoreError": 0.2, "scoreUnit": "ms/op", "rawData": [[4.0, 4.0]]}},
              {"benchmark": "dev.jkexec.bench.micro.RelocationBench.memoryCopyListPageRuns", "mode": "avgt", "params": {"imageMiB": "64"},
               "primaryMetric": {"score": 7.0, "scoreError": 0.3, "scoreUnit": "ms/op", "rawData": [[7.0]]}},
              {"benchmark": "dev.jkexec.bench.micro.DigestBench.sha256Data", "mode": "avgt", "params": {"imageMiB": "64"},
               "primaryMetric": {"score": 50.0, "scoreError": "NaN", "scoreUnit": "ms/op", "rawData": [[50.0]]}},
              {"benchmark": "dev.jkexec.bench.micro.DecompressBench.parseAndDecompress", "mode": "avgt", "params": {"kernel": "cloud"},
               "primaryMetric": {"score": 25.0, "scoreError": 1.0, "scoreUnit": "ms/op", "rawData": [[25.0]]}},
              {"benchmark": "dev.jkexec.bench.micro.HandoverBuildBench.zeroPage", "mode": "avgt",
               "primaryMetric": {"score": 0.7, "scoreError": 0.1, "scoreUnit": "us/op", "rawData": [[0.7]]}}
            ]
            """;

    @Test
    void parsesNamesParamsScoresAndIterations() {
        List<JmhResult> r = JmhResult.parse(JSON);
        assertThat(r).hasSize(6);
        JmhResult walk = r.getFirst();
        assertThat(walk.shortName()).isEqualTo("RelocationBench.walk");
        assertThat(walk.label()).isEqualTo("RelocationBench.walk imageMiB=64");
        assertThat(walk.iterations()).isEqualTo(3);
        assertThat(walk.secondsPerOp()).contains(0.007);
        assertThat(r.get(3).error()).isNaN();
        assertThat(r.get(5).params()).isEmpty();
        assertThat(JmhResult.find(r, "DecompressBench.parseAndDecompress", Map.of("kernel", "cloud"))).isPresent();
        assertThat(JmhResult.find(r, "DecompressBench.parseAndDecompress", Map.of("kernel", "generic"))).isEmpty();
    }

    @Test
    void notJsonOrNotAnArrayIsRefused() {
        assertThatThrownBy(() -> JmhResult.parse("{}")).hasMessageContaining("array");
        assertThatThrownBy(() -> JmhResult.parse("[{")).hasMessageContaining("not JSON");
    }

    @Test
    void derivedRatiosAndThroughputs() {
        List<JmhResult> results = new java.util.ArrayList<>(JmhResult.parse(JSON));
        results.addAll(JmhResult.parse("""
                [{"benchmark": "dev.jkexec.bench.micro.RelocationBench.walkPageByPage", "mode": "avgt", "params": {"imageMiB": "64"},
                  "primaryMetric": {"score": 8.0, "scoreError": 0.5, "scoreUnit": "ms/op", "rawData": [[8.0]]}}]
                """));
        List<MicroSummary.Derived> d = MicroSummary.derive(results, Map.of("cloud", 50_000_000L));
        assertThat(d).filteredOn(x -> x.what().startsWith("relocation walk / memory copy (")).singleElement()
                .satisfies(x -> {
                    assertThat(x.value()).isCloseTo(4.0 / 7.0, org.assertj.core.data.Offset.offset(1e-12));
                    assertThat(x.met()).contains(false);
                });
        assertThat(d).filteredOn(x -> x.what().startsWith("reference page-by-page walk / memory copy")).singleElement()
                .satisfies(x -> {
                    assertThat(x.value()).isEqualTo(0.5);
                    assertThat(x.goal()).as("the target is the walk jkexec uses, not the reference").isEmpty();
                });
        assertThat(d).filteredOn(x -> x.what().startsWith("memory copy in list-page-sized runs")).singleElement()
                .satisfies(x -> assertThat(x.value()).isCloseTo(4.0 / 7.0, org.assertj.core.data.Offset.offset(1e-12)));
        assertThat(d).filteredOn(x -> x.what().equals("RelocationBench.walkPageByPage throughput")).hasSize(1);
        assertThat(d).filteredOn(x -> x.what().equals("SHA-256 of image bytes")).singleElement()
                .satisfies(x -> {
                    assertThat(x.value()).isCloseTo((64L << 20) / 0.05 / 1e9, org.assertj.core.data.Offset.offset(1e-9));
                    assertThat(x.met()).contains(true);
                });
        assertThat(d).filteredOn(x -> x.what().contains("decompress, cloud")).singleElement()
                .satisfies(x -> assertThat(x.value()).isCloseTo(2000, org.assertj.core.data.Offset.offset(1e-9)));
    }
}
