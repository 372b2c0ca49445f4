package dev.jkexec.bench.micro;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/**
 * The relocation benchmark compares like with like: each measured walk, and the memory copy it is
 * held against, leaves the same bytes at the same destination; the walk measured is jkexec's
 * (bulk runs over its builder's list), with the same result as the page-by-page reference.
 */
@Pure
class RelocationBenchTest {
    @Test
    void every_measured_operation_places_the_same_image_at_the_same_destination() {
        RelocationBench bench = new RelocationBench();
        bench.imageMiB = 1;
        bench.setUp();
        try {
            MemorySegment image = bench.image;
            MemorySegment at = bench.memory.slice(bench.dest, image.byteSize());

            assertThat(bench.walk()).isEqualTo(bench.walkPageByPage());
            assertThat(bench.walk().pagesCopied()).isEqualTo(256);
            for (Runnable op : new Runnable[] {bench::walk, bench::walkPageByPage, bench::memoryCopy,
                    bench::memoryCopyListPageRuns, bench::memoryCopy8MiBRuns}) {
                at.fill((byte) 0);
                op.run();
                assertThat(at.mismatch(image)).isEqualTo(-1);
            }
        } finally {
            bench.tearDown();
        }
    }
}
