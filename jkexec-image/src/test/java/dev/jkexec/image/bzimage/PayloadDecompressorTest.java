package dev.jkexec.image.bzimage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.UnsupportedImageException;
import dev.jkexec.image.testing.Le;
import dev.jkexec.image.testing.Payloads;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every compression through the real libraries: round trips, hostile size claims, bombs and corruption. */
@Pure
class PayloadDecompressorTest {
    static final byte[] DATA = BzImageTest.data(200_000);

    static Stream<Arguments> compressions() {
        return Stream.of(
                Arguments.of(Compression.GZIP, (Function<byte[], byte[]>) Payloads::gzip),
                Arguments.of(Compression.XZ, (Function<byte[], byte[]>) Payloads::xz),
                Arguments.of(Compression.LZMA, (Function<byte[], byte[]>) Payloads::lzma),
                Arguments.of(Compression.BZIP2, (Function<byte[], byte[]>) Payloads::bzip2),
                Arguments.of(Compression.LZ4, (Function<byte[], byte[]>) d -> Payloads.lz4Legacy(d, 64 << 10)),
                Arguments.of(Compression.ZSTD, (Function<byte[], byte[]>) Payloads::zstd),
                Arguments.of(Compression.ZSTD, (Function<byte[], byte[]>) d -> Payloads.zstdLong(d, 27)));
    }

    static byte[] decompress(byte[] payload) {
        return PayloadDecompressor.decompress(MemorySegment.ofArray(payload));
    }

    static ImageFormatException failure(byte[] payload) {
        try {
            decompress(payload);
        } catch (ImageFormatException e) {
            return e;
        }
        throw new AssertionError("decompressed");
    }

    @ParameterizedTest
    @MethodSource("compressions")
    void roundTrip(Compression c, Function<byte[], byte[]> compress) {
        byte[] payload = compress.apply(DATA);
        assertThat(Compression.detect(MemorySegment.ofArray(payload))).isEqualTo(c);
        assertThat(PayloadDecompressor.claimedSize(MemorySegment.ofArray(payload))).isEqualTo(DATA.length);
        assertThat(decompress(payload)).isEqualTo(DATA);
    }

    @ParameterizedTest
    @MethodSource("compressions")
    void trailerClaimingGigabytesIsRefusedBeforeAllocating(Compression c, Function<byte[], byte[]> compress) {
        byte[] payload = compress.apply(DATA);
        Le.u32(payload, payload.length - 4, 0xC000_0000L);
        ImageFormatException e = failure(payload);
        assertThat(e.field()).isEqualTo("payload.uncompressed_size");
        assertThat(e.value()).isEqualTo("0xc0000000");
        assertThat(e).hasMessageContaining("outside 1..0x20000000");
    }

    @ParameterizedTest
    @MethodSource("compressions")
    void bombDecompressingBeyondItsClaim(Compression c, Function<byte[], byte[]> compress) {
        byte[] payload = compress.apply(DATA);
        // the stream is honest about nothing: it holds 200000 bytes but claims 1000
        if (c == Compression.GZIP) {
            payload = Payloads.withTrailer(payload, 1000); // gzip's own ISIZE stays; our claim is the last 4 bytes
        } else {
            Le.u32(payload, payload.length - 4, 1000);
        }
        ImageFormatException e = failure(payload);
        assertThat(e.field()).isEqualTo("payload.uncompressed_size");
        if (c != Compression.GZIP) {
            assertThat(e).hasMessageContaining("decompresses beyond the claimed 0x3e8 bytes");
        }
    }

    @ParameterizedTest
    @MethodSource("compressions")
    void streamShorterThanItsClaim(Compression c, Function<byte[], byte[]> compress) {
        byte[] payload = compress.apply(DATA);
        if (c == Compression.GZIP) {
            return; // gzip's claim is its own checked ISIZE: covered by corruption
        }
        Le.u32(payload, payload.length - 4, DATA.length + 1000);
        ImageFormatException e = failure(payload);
        assertThat(e.field()).isEqualTo("payload.uncompressed_size");
        assertThat(e).hasMessageContaining("ended after 0x30d40 of the claimed 0x31128 bytes");
    }

    @ParameterizedTest
    @MethodSource("compressions")
    void corruptData(Compression c, Function<byte[], byte[]> compress) {
        byte[] payload = compress.apply(DATA);
        for (int i = payload.length / 3; i < payload.length / 3 + 64; i++) {
            payload[i] ^= 0x5A;
        }
        ImageFormatException e = failure(payload);
        assertThat(e.field()).startsWith("payload.");
    }

    @ParameterizedTest
    @MethodSource("compressions")
    void truncatedStream(Compression c, Function<byte[], byte[]> compress) {
        byte[] full = compress.apply(DATA);
        byte[] cut = Payloads.withTrailer(Arrays.copyOf(full, full.length / 2), DATA.length);
        ImageFormatException e = failure(cut);
        assertThat(e.field()).startsWith("payload.");
    }

    /**
     * Fuzzing finding (PayloadDecompressorFuzzTest's throughput): the .lzma header's dictionary size
     * was allocated as given, up to the 256 MiB limit, whatever the claim. The window is now capped
     * by the claimed size, so a stream whose header names a 4 GiB dictionary still decodes.
     */
    @Test
    void lzma_dictionary_is_capped_by_the_claimed_size() {
        byte[] data = "jkexec lzma window ".repeat(300).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] payload = dev.jkexec.image.testing.Payloads.lzma(data);
        payload[3] = (byte) 0xFF; // dictionary size 0xFFFF0000 (the magic 5d 00 00 keeps its low bytes)
        payload[4] = (byte) 0xFF;
        org.assertj.core.api.Assertions.assertThat(PayloadDecompressor.decompress(java.lang.foreign.MemorySegment.ofArray(payload)))
                .isEqualTo(data);
    }

    @Test
    void lz4TrailingBytesAreNotABlock() {
        byte[] body = Payloads.lz4Legacy(DATA, 64 << 10);
        // two stray bytes between the last block and the size trailer
        byte[] payload = Payloads.withTrailer(Arrays.copyOf(body, body.length - 4 + 2), DATA.length);
        ImageFormatException e = failure(payload);
        assertThat(e.field()).matches("payload\\.lz4\\.block\\[\\d+]\\.size");
        assertThat(e).hasMessageContaining("cannot hold a block header");
    }

    @Test
    void lz4BlockSizePastTheEnd() {
        byte[] payload = Payloads.lz4Legacy(DATA, 64 << 10);
        Le.u32(payload, 4, 0x7F_0000);
        ImageFormatException e = failure(payload);
        assertThat(e.field()).isEqualTo("payload.lz4.block[0].size");
    }

    @Test
    void lz4BlockSizeAboveTheBound() {
        byte[] payload = Payloads.lz4Legacy(DATA, 64 << 10);
        Le.u32(payload, 4, 0xFFFF_FFF0L);
        ImageFormatException e = failure(payload);
        assertThat(e.field()).isEqualTo("payload.lz4.block[0].size");
        assertThat(e.value()).isEqualTo("0xfffffff0");
    }

    @Test
    void lz4ConcatenatedFrames() {
        byte[] a = Payloads.lz4Legacy(Arrays.copyOf(DATA, 100_000), 64 << 10);
        byte[] b = Payloads.lz4Legacy(Arrays.copyOfRange(DATA, 100_000, DATA.length), 64 << 10);
        byte[] body = Arrays.copyOf(a, a.length - 4 + b.length - 4);
        System.arraycopy(b, 0, body, a.length - 4, b.length - 4);
        assertThat(decompress(Payloads.withTrailer(body, DATA.length))).isEqualTo(DATA);
    }

    @Test
    void lzoIsRecognisedButRefused() {
        byte[] payload = Payloads.withTrailer(new byte[] {(byte) 0x89, 0x4C, 0x5A, 0x4F, 0, 0x0D, 0x0A}, 100);
        assertThat(failure(payload)).hasMessageContaining("lzo payloads are not supported");
    }

    @Test
    void oldGzipMagicIsRecognisedButRefused() {
        byte[] payload = Payloads.gzip(DATA);
        payload[1] = (byte) 0x9E;
        assertThat(Compression.detect(MemorySegment.ofArray(payload))).isEqualTo(Compression.GZIP_OLD);
        assertThat(failure(payload)).hasMessageContaining("old-style gzip (1f 9e)");
    }

    @Test
    void zstdWithA128MiBWindowDecompressesInOneShot() {
        // Debian 6.12's payloads: window descriptor 0x88 (2^27 bytes), no content size, a checksum.
        byte[] payload = Payloads.zstdLong(DATA, 27);
        ZstdFrameHeader h = ZstdFrameHeader.parse(MemorySegment.ofArray(payload));
        assertThat(h.windowSize()).isEqualTo(128L << 20);
        assertThat(h.contentSize()).isEqualTo(-1);
        assertThat(h.checksum()).isTrue();
        // the window is far larger than the output cap: one-shot decoding needs no window of its own
        assertThat(PayloadDecompressor.decompress(MemorySegment.ofArray(payload), DATA.length)).isEqualTo(DATA);
    }

    @Test
    void zstdReservedBitIsDamage() {
        byte[] payload = Payloads.zstdLong(DATA, 27);
        payload[4] |= 0x08;
        ImageFormatException e = failure(payload);
        assertThat(e).isNotInstanceOf(UnsupportedImageException.class);
        assertThat(e.field()).isEqualTo("payload.zstd.frame_header_descriptor");
        assertThat(e).hasMessageContaining("damaged: reserved bit 3");
    }

    @Test
    void zstdDictionaryIsUnsupportedNotDamage() {
        byte[] plain = Payloads.zstdLong(DATA, 27);
        // the same frame, now saying it needs dictionary 0x2a (one dictionary id byte after the window descriptor)
        byte[] payload = new byte[plain.length + 1];
        System.arraycopy(plain, 0, payload, 0, 6);
        payload[4] |= 0x01;
        payload[6] = 0x2A;
        System.arraycopy(plain, 6, payload, 7, plain.length - 6);
        ImageFormatException e = failure(payload);
        assertThat(e).isInstanceOf(UnsupportedImageException.class);
        assertThat(e.field()).isEqualTo("payload.zstd.dictionary_id");
        assertThat(e).hasMessageContaining("unsupported: the frame needs dictionary 0x2a");
    }

    @Test
    void zstdDamageIsReportedAsDamage() {
        byte[] payload = Payloads.zstdLong(DATA, 27);
        for (int i = payload.length / 2; i < payload.length / 2 + 32; i++) {
            payload[i] ^= 0x5A;
        }
        ImageFormatException e = failure(payload);
        assertThat(e).isNotInstanceOf(UnsupportedImageException.class);
        assertThat(e.field()).isEqualTo("payload.zstd");
        assertThat(e).hasMessageContaining("damaged zstd data");
    }

    @Test
    void xzNeedingMoreMemoryThanItsOutputAllowsIsUnsupported() {
        byte[] payload = Payloads.xzWithDictionary(DATA, 48 << 20);
        assertThat(decompress(payload)).isEqualTo(DATA); // the hard cap leaves room for a 48 MiB dictionary
        ImageFormatException e = null;
        try {
            PayloadDecompressor.decompress(MemorySegment.ofArray(payload), DATA.length); // 32 MiB + 4 MiB
        } catch (ImageFormatException x) {
            e = x;
        }
        assertThat(e).isInstanceOf(UnsupportedImageException.class);
        assertThat(e.field()).isEqualTo("payload.xz.dictionary");
        assertThat(e).hasMessageContaining("KiB of decoder memory, more than the 36864 KiB its output size allows");
    }

    @Test
    void capBelowTheClaim() {
        byte[] payload = Payloads.xz(DATA);
        assertThatThrownBy(() -> PayloadDecompressor.decompress(MemorySegment.ofArray(payload), 1000))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("outside 1..0x3e8");
    }
}
