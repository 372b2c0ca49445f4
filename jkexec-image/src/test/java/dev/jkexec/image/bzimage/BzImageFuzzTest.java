package dev.jkexec.image.bzimage;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.image.testing.Payloads;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Mutated bzImages (header and payload) either parse and decompress or fail with a typed error. */
@Pure
class BzImageFuzzTest {
    static final byte[] DATA = BzImageTest.data(20_000);

    static byte[] base(int which) {
        BzImageBuilder b = BzImageBuilder.modern();
        b.payload = switch (which) {
            case 0 -> Payloads.gzip(DATA);
            case 1 -> Payloads.xz(DATA);
            case 2 -> Payloads.lz4Legacy(DATA, 4096);
            case 3 -> Payloads.zstd(DATA);
            case 4 -> Payloads.bzip2(DATA);
            default -> Payloads.lzma(DATA);
        };
        return b.build();
    }

    static final byte[][] BASES = {base(0), base(1), base(2), base(3), base(4), base(5)};

    @Property(tries = 600)
    void mutationsFailOnlyWithTypedErrors(@ForAll @IntRange(min = 0, max = 5) int which,
                                          @ForAll @Size(min = 1, max = 8) int[] positions,
                                          @ForAll @Size(min = 8, max = 8) byte[] values,
                                          @ForAll boolean headerOnly) {
        byte[] b = BASES[which].clone();
        for (int i = 0; i < positions.length; i++) {
            int at = headerOnly ? 0x1F0 + Math.floorMod(positions[i], 0x80) : Math.floorMod(positions[i], b.length);
            b[at] = values[i];
        }
        try {
            BzImage img = BzImage.parse(MemorySegment.ofArray(b));
            if (img.compression() != null) {
                img.decompress();
            }
        } catch (ImageFormatException expected) {
            // typed: fine
        }
    }
}
