package dev.jkexec.image.bzimage;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: a bzImage payload through the decompressors with the bomb caps
 * ({@link PayloadDecompressor#decompress(MemorySegment, long)}): gzip, xz, lzma, bzip2, lz4 legacy,
 * zstd. The input is the payload with its 4-byte size trailer. Beyond "only
 * {@link ImageFormatException}, no OOM": the output is exactly the size the trailer claims, and
 * never more than the cap. The cap here is 1 MiB rather than the product's 512 MiB so that each
 * execution stays cheap; the check against it is the same code. Seeds: slices of the real vmlinux
 * compressed by each format's real compressor, and the head of the real kernels' xz and lz4 payloads.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class PayloadDecompressorFuzzTest {
    static final int MAX_INPUT = 256 << 10;
    static final long CAP = 1L << 20;

    @FuzzTest
    void payload(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, ImageFormatException.class, bytes -> {
            MemorySegment payload = MemorySegment.ofArray(bytes);
            long claim = PayloadDecompressor.claimedSize(payload);
            byte[] out = PayloadDecompressor.decompress(payload, CAP);
            check(out.length == claim, "decompressed " + out.length + " bytes, the trailer claims " + claim);
            check(out.length <= CAP, "decompressed " + out.length + " bytes past the cap");
        });
    }
}
