package dev.jkexec.bench.micro;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.kexec.PageList;
import dev.jkexec.core.kexec.PageListBuilder;
import dev.jkexec.core.kexec.PageListEntry;
import dev.jkexec.core.kexec.PageListWalker;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The relocation path of a default image at exec, against the memory-copy limit: staging the
 * image (page list build: copy into source pages + list entries), the walk (copy to the
 * destinations), and a plain {@link MemorySegment#copy} of the same bytes to the same
 * destination. All in one off-heap "physical memory".
 *
 * <p>What is measured is jkexec's own code: the list {@link PageListBuilder} writes at exec and the
 * host-side walk {@link PageListWalker#walk} (runs of contiguous pages copied in bulk), next to the
 * page-by-page reference {@link PageListWalker#walkPageByPage}. On a running machine the firmware
 * walks the same list on the vCPU ({@code rep movsq} per page); the end-to-end bench times that
 * ("firmware: page list walked"), not this. Setup checks that a walk really places the image.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class RelocationBench {
    private static final long PAGE = 4096;
    @Param({"64"})
    public int imageMiB;

    private Arena arena;
    // Package-private for RelocationBenchTest, which checks that every operation places the same bytes.
    PhysicalMemory memory;
    MemorySegment image;
    private List<SegmentDescriptor> segments;
    private PhysicalRange staging;
    long dest;
    private PageList built;

    @Setup(Level.Trial)
    public void setUp() {
        long size = (long) imageMiB << 20;
        arena = Arena.ofShared();
        memory = PhysicalMemory.of(arena.allocate(3 * size + (32L << 20), 4096));
        image = arena.allocate(size, 4096);
        for (long i = 0; i < size; i += 8) {
            image.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, i * 0x9E3779B97F4A7C15L);
        }
        dest = 16L << 20;
        segments = List.of(new SegmentDescriptor(true, size, dest, size, "kernel"));
        staging = new PhysicalRange(dest + size, 2 * size);
        built = PageListBuilder.build(memory, staging, segments, i -> image);
        PageListWalker.walk(memory, built.head());
        long wrong = memory.slice(dest, size).mismatch(image);
        if (wrong != -1) {
            throw new IllegalStateException("the walk left byte 0x" + Long.toHexString(wrong) + " of the image wrong");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Staging: source pages and list entries written into staging (what jkexec does at exec). */
    @Benchmark
    public long stage() {
        return PageListBuilder.build(memory, staging, segments, i -> image).head();
    }

    /** The relocation walk jkexec has over the staged list: contiguous runs copied in bulk. */
    @Benchmark
    public PageListWalker.Result walk() {
        return PageListWalker.walk(memory, built.head());
    }

    /** The reference walk over the same list, one 4 KiB copy per SOURCE entry. */
    @Benchmark
    public PageListWalker.Result walkPageByPage() {
        return PageListWalker.walkPageByPage(memory, built.head());
    }

    /** The memory-copy limit: one bulk copy of the same bytes. */
    @Benchmark
    public void memoryCopy() {
        MemorySegment.copy(image, 0, memory.segment(), dest, image.byteSize());
    }

    /**
     * The same bytes copied in pieces of one list page's worth of source pages (511 × 4 KiB), the
     * longest contiguous runs a Xen-layout list has (Xen allocates each list page between its
     * source pages; {@link PageListBuilder} puts them first, so its runs are whole segments). On
     * this machine a single large copy takes the memory copy's streaming-store path and pieces of
     * about 2 MiB do not, so this bounds any walk of a Xen-layout list.
     */
    @Benchmark
    public void memoryCopyListPageRuns() {
        copyInPieces((long) PageListEntry.DATA_SLOTS * PAGE);
    }

    /** The same bytes in 8 MiB pieces: whether piece size alone explains the gap to {@link #memoryCopy}. */
    @Benchmark
    public void memoryCopy8MiBRuns() {
        copyInPieces(8L << 20);
    }

    private void copyInPieces(long piece) {
        long size = image.byteSize();
        for (long off = 0; off < size; off += piece) {
            MemorySegment.copy(image, off, memory.segment(), dest + off, Math.min(piece, size - off));
        }
    }
}
