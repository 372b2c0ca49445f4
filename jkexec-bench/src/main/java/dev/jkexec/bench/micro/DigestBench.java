package dev.jkexec.bench.micro;

import dev.jkexec.core.kexec.ImageDigest;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
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
 * SHA-256 of image bytes, as jkexec checks every image before a handover: data bytes (off-heap,
 * as held default images and guest RAM are) and zero tails (segments' {@code dest_size} beyond
 * their buffer). Throughput in bytes per second = imageMiB MiB / time.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class DigestBench {
    @Param({"64"})
    public int imageMiB;

    private Arena arena;
    private MemorySegment data;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        data = arena.allocate((long) imageMiB << 20, 4096);
        data.fill((byte) 0x5A);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public Object sha256Data() {
        return new ImageDigest().update(data).finish();
    }

    @Benchmark
    public Object sha256Zeros() {
        return new ImageDigest().updateZeros(data.byteSize()).finish();
    }
}
