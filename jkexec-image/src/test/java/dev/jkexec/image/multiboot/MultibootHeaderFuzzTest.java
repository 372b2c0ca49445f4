package dev.jkexec.image.multiboot;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: the Multiboot v1 header search ({@link MultibootHeader#find}). Beyond "only
 * {@link ImageFormatException}": a found header is 4-byte aligned, starts within the first 8 KiB,
 * lies inside the file, and its checksum holds; parsing it again at its offset gives the same header.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class MultibootHeaderFuzzTest {
    static final int MAX_INPUT = 16 << 10;

    @FuzzTest
    void multiboot(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, ImageFormatException.class, bytes -> {
            MemorySegment file = MemorySegment.ofArray(bytes);
            MultibootHeader.find(file).ifPresent(h -> {
                check(h.fileOffset() % 4 == 0, "header at an unaligned offset");
                check(h.fileOffset() + 12 <= Math.min(bytes.length, MultibootHeader.SEARCH_LIMIT), "header outside the search window");
                check(((MultibootHeader.MAGIC + h.flags() + h.checksum()) & 0xFFFF_FFFFL) == 0, "checksum does not hold");
                check(MultibootHeader.parseAt(file, h.fileOffset()).equals(h), "parsed twice, two answers");
                h.flagNames();
            });
        });
    }
}
