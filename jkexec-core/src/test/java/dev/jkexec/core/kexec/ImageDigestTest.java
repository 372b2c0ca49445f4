package dev.jkexec.core.kexec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

/** The digest feeds memory of every kind in chunks and must equal a plain SHA-256 of the same bytes. */
@Pure
class ImageDigestTest {
    static Sha256 plain(byte[]... parts) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (byte[] p : parts) {
            md.update(p);
        }
        return new Sha256(md.digest());
    }

    @Test
    void byte_array_long_array_native_and_zeros_agree_with_plain_sha256() throws Exception {
        byte[] data = Fixtures.bytes(7, 3 * (1 << 20) + 123); // crosses the 1 MiB chunk
        long[] longs = new long[data.length / 8];
        MemorySegment.copy(MemorySegment.ofArray(data), 0, MemorySegment.ofArray(longs), 0, longs.length * 8L);
        byte[] asLongs = java.util.Arrays.copyOf(data, longs.length * 8);
        byte[] zeros = new byte[(1 << 20) + 5];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeCopy = arena.allocate(data.length).copyFrom(MemorySegment.ofArray(data));
            assertThat(new ImageDigest().update(MemorySegment.ofArray(data)).finish()).isEqualTo(plain(data));
            assertThat(new ImageDigest().update(nativeCopy.asReadOnly()).finish()).isEqualTo(plain(data));
            assertThat(new ImageDigest().update(MemorySegment.ofArray(longs).asReadOnly()).finish()).isEqualTo(plain(asLongs));
            assertThat(new ImageDigest().update(MemorySegment.ofArray(data)).updateZeros(zeros.length).finish())
                    .isEqualTo(plain(data, zeros));
        }
        assertThat(new ImageDigest().finish()).isEqualTo(Sha256.ofHex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }
}
