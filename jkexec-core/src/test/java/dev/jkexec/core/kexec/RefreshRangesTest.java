package dev.jkexec.core.kexec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the firmware rewrites of a crash image: its pages that are not all zeros, in at most 16 ranges. */
@Pure
class RefreshRangesTest {
    private static final int PAGE = 4096;

    private static MemorySegment pages(int count, int... nonZero) {
        byte[] b = new byte[count * PAGE];
        for (int p : nonZero) {
            b[p * PAGE + PAGE - 1] = 1; // the page's last byte only: a page is zero only if every byte is
        }
        return MemorySegment.ofArray(b);
    }

    @Test
    void pagesOfZerosAndTheZeroTailAreLeftOutAndNeighboursJoin() {
        long dest = 0x100000;
        SegmentDescriptor s = new SegmentDescriptor(true, 6L * PAGE, dest, 10L * PAGE, "kernel");
        List<PhysicalRange> r = RefreshRanges.of(List.of(s), new MemorySegment[] {pages(6, 0, 1, 4)});
        assertThat(r).containsExactly(new PhysicalRange(dest, 2 * PAGE), new PhysicalRange(dest + 4 * PAGE, PAGE));
    }

    @Test
    void aPartialLastPageIsRefreshedUpToTheDestinationsEnd() {
        long dest = 0x200000;
        byte[] b = new byte[PAGE + 100];
        b[PAGE + 99] = 7;
        SegmentDescriptor s = new SegmentDescriptor(true, b.length, dest, PAGE + 104, "setup");
        assertThat(RefreshRanges.of(List.of(s), new MemorySegment[] {MemorySegment.ofArray(b)}))
                .containsExactly(new PhysicalRange(dest + PAGE, 104));
    }

    @Test
    void mappingOnlySegmentsAndAllZeroSegmentsContributeNothing() {
        SegmentDescriptor mapping = new SegmentDescriptor(false, 0, 0, 0x100000, "low");
        SegmentDescriptor backup = new SegmentDescriptor(true, 4L * PAGE, 0x300000, 4L * PAGE, "backup");
        assertThat(RefreshRanges.of(List.of(mapping, backup), new MemorySegment[] {null, pages(4)})).isEmpty();
    }

    @Test
    void moreThanSixteenRunsAreMergedAcrossTheSmallestGapsAndCoverEveryNonZeroPage() {
        int count = 64;
        List<Integer> nonZero = new ArrayList<>();
        for (int p = 0; p < count; p += 2) {
            nonZero.add(p); // 32 runs of one page, gaps of one page...
        }
        nonZero.add(59); // ...except around page 59, which joins 58 and 60
        long dest = 0x400000;
        SegmentDescriptor s = new SegmentDescriptor(true, (long) count * PAGE, dest, (long) count * PAGE, "kernel");
        List<PhysicalRange> r = RefreshRanges.of(List.of(s),
                new MemorySegment[] {pages(count, nonZero.stream().mapToInt(Integer::intValue).toArray())});
        assertThat(r).hasSizeLessThanOrEqualTo(RefreshRanges.MAX_RANGES);
        for (int p : nonZero) {
            long at = dest + (long) p * PAGE;
            assertThat(r).as("page %d refreshed", p).anyMatch(x -> x.start() <= at && at + PAGE <= x.start() + x.size());
        }
        for (int i = 1; i < r.size(); i++) {
            assertThat(r.get(i).start()).isGreaterThan(r.get(i - 1).start() + r.get(i - 1).size());
        }
    }
}
