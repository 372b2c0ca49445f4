package dev.jkexec.bench.micro;

import dev.jkexec.platform.GuestAssets;
import dev.jkexec.image.bzimage.BzImage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * bzImage parsing and payload decompression on the real Debian kernels: {@code generic} (xz with
 * the x86 BCJ filter) and {@code cloud} (legacy LZ4). What {@code jkexec extract-vmlinux} and the
 * pre-decompressed boot path cost on the host. The file is read once per trial; each operation
 * parses it and decompresses the whole payload. Throughput = vmlinux bytes / time (the report
 * divides by the payload sizes the harness measured).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
public class DecompressBench {
    @Param({"generic", "cloud"})
    public String kernel;

    private MemorySegment file;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        Path p = kernel.equals("generic") ? GuestAssets.genericKernel() : GuestAssets.cloudKernel();
        file = MemorySegment.ofArray(Files.readAllBytes(p));
    }

    /** The setup header checks and payload location alone. */
    @Benchmark
    public Object parse() {
        return BzImage.parse(file);
    }

    /** Parse, then decompress the payload into the vmlinux ELF. */
    @Benchmark
    public int parseAndDecompress() {
        return BzImage.parse(file).decompress().length;
    }
}
