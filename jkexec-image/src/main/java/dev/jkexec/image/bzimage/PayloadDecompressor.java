package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * Decompresses a bzImage payload (the compressed vmlinux) with bounded output.
 *
 * <p>The payload's last 4 bytes hold the uncompressed size (the kernel build appends it; for gzip
 * it is the gzip trailer's ISIZE). That claim is checked against a hard cap before anything is
 * allocated, then exactly one buffer of the claimed size is allocated and filled. The stream must
 * produce exactly the claimed size: fewer bytes is a truncated or corrupt payload, more is a bomb.
 * Either way the result is an {@link ImageFormatException}, never an {@code OutOfMemoryError}:
 * decompressor memory is bounded too (xz/lzma memory limit; zstd and lz4 decompress straight
 * into the bounded output buffer, with no window of their own).
 *
 * <p>The decompressors are libraries: the JDK (gzip), tukaani xz (xz with its x86 BCJ filter,
 * lzma), commons-compress (bzip2), aircompressor (lz4 blocks, zstd). Only the lz4 legacy framing
 * is ours ({@link Lz4LegacyFrame}).
 */
public final class PayloadDecompressor {
    /** No kernel is bigger than this decompressed; the bound for hostile size claims. */
    public static final long HARD_CAP = 512L << 20;
    /** Memory the xz/lzma decoders may use (the kernel's xz dictionary is 32 MiB). */
    static final int XZ_MEMORY_LIMIT_KIB = 256 << 10;
    /** Size of the uncompressed-size trailer. */
    public static final int SIZE_TRAILER = 4;

    private PayloadDecompressor() {
    }

    /** The uncompressed size the payload's trailer claims (unsigned). */
    public static long claimedSize(MemorySegment payload) {
        ByteView v = new ByteView(payload, "payload");
        if (payload.byteSize() < SIZE_TRAILER + 2) {
            throw new ImageFormatException("payload.length", hex(payload.byteSize()),
                    hex(payload.byteSize()) + " bytes cannot hold compressed data and the 4-byte size trailer");
        }
        return v.u32(payload.byteSize() - SIZE_TRAILER, "payload.uncompressed_size");
    }

    /** Decompresses with the {@link #HARD_CAP}. */
    public static byte[] decompress(MemorySegment payload) {
        return decompress(payload, HARD_CAP);
    }

    /**
     * Detects the compression, checks the size claim against {@code min(cap, HARD_CAP)} and
     * decompresses into a buffer of exactly the claimed size.
     */
    public static byte[] decompress(MemorySegment payload, long cap) {
        long claim = claimedSize(payload);
        Compression c = Compression.detect(payload);
        if (c == null) {
            throw new ImageFormatException("payload.magic", Compression.leadingHex(payload),
                    "unknown compression magic " + Compression.leadingHex(payload));
        }
        if (c == Compression.LZO) {
            throw new ImageFormatException("payload.magic", Compression.leadingHex(payload),
                    "lzo payloads are not supported (no pure-Java lzop decoder)");
        }
        if (c == Compression.GZIP_OLD) {
            throw new ImageFormatException("payload.magic", Compression.leadingHex(payload),
                    "old-style gzip (1f 9e) payloads are not supported (the JDK decodes 1f 8b only)");
        }
        long limit = Math.min(cap, HARD_CAP);
        if (claim == 0 || claim > limit) {
            throw new ImageFormatException("payload.uncompressed_size", hex(claim), "the size trailer claims "
                    + hex(claim) + " bytes, outside 1.." + hex(limit));
        }
        byte[] out = new byte[(int) claim];
        // gzip's ISIZE trailer belongs to the gzip stream; for the others it is an appended extra.
        MemorySegment body = c == Compression.GZIP
                ? payload : payload.asSlice(0, payload.byteSize() - SIZE_TRAILER);
        long produced;
        try {
            produced = switch (c) {
                case LZ4 -> Lz4LegacyFrame.decompress(body, out);
                case ZSTD -> zstd(body, out);
                default -> stream(c, body, out, claim);
            };
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Corrupt input can make any decoder fail in its own way; all of them are "corrupt payload".
            throw new ImageFormatException("payload." + c.label(), Compression.leadingHex(payload),
                    "corrupt " + c.label() + " data: " + e.getMessage(), e);
        }
        if (produced != claim) {
            throw new ImageFormatException("payload.uncompressed_size", hex(claim), "the " + c.label()
                    + " stream ended after " + hex(produced) + " of the claimed " + hex(claim) + " bytes");
        }
        return out;
    }

    private static long stream(Compression c, MemorySegment body, byte[] out, long claim) throws IOException {
        try (InputStream in = open(c, new SegmentInputStream(body), claim)) {
            int n = in.readNBytes(out, 0, out.length);
            if (n == out.length && in.read() != -1) {
                throw bomb(c, out.length);
            }
            return n;
        }
    }

    private static InputStream open(Compression c, InputStream raw, long claim) throws IOException {
        return switch (c) {
            case GZIP -> new GZIPInputStream(raw, 64 << 10);
            case XZ -> new XZInputStream(raw, XZ_MEMORY_LIMIT_KIB);
            case LZMA -> lzma(raw, claim);
            case BZIP2 -> new BZip2CompressorInputStream(raw, false);
            case GZIP_OLD, LZ4, ZSTD, LZO -> throw new AssertionError(c);
        };
    }

    /**
     * The .lzma ("alone") stream: a 13-byte header {u8 properties, u32 dictionary size, i64
     * uncompressed size}, then the data. The decoder allocates the dictionary the header names, so
     * the window is capped by the claimed size: no match can reach further back than the bytes
     * produced, and those are at most the claim. Without the cap a few hostile header bytes made
     * every decode allocate up to the 256 MiB memory limit (fuzzing finding).
     */
    private static InputStream lzma(InputStream raw, long claim) throws IOException {
        byte[] h = raw.readNBytes(13);
        if (h.length < 13) {
            throw new java.io.EOFException("lzma header of " + h.length + " bytes, not 13");
        }
        MemorySegment header = MemorySegment.ofArray(h);
        long dictionary = Integer.toUnsignedLong(header.get(ByteView.U32, 1));
        int window = (int) Math.min(dictionary, Math.max(claim, 4096));
        if (LZMAInputStream.getMemoryUsage(window, h[0]) > XZ_MEMORY_LIMIT_KIB) {
            throw new org.tukaani.xz.MemoryLimitException(LZMAInputStream.getMemoryUsage(window, h[0]), XZ_MEMORY_LIMIT_KIB);
        }
        return new LZMAInputStream(raw, header.get(ByteView.U64, 5), h[0], window);
    }

    /** zstd, one shot: the output buffer is the decoder's window, so hostile window sizes allocate nothing. */
    private static long zstd(MemorySegment body, byte[] out) {
        byte[] in = body.toArray(ValueLayout.JAVA_BYTE);
        long declared = ZstdDecompressor.getDecompressedSize(in, 0, in.length);
        if (declared > out.length) {
            throw bomb(Compression.ZSTD, out.length);
        }
        try {
            return new ZstdDecompressor().decompress(in, 0, in.length, out, 0, out.length);
        } catch (RuntimeException e) {
            if (String.valueOf(e.getMessage()).contains("too small")) {
                throw bomb(Compression.ZSTD, out.length);
            }
            throw e;
        }
    }

    static ImageFormatException bomb(Compression c, long claim) {
        return new ImageFormatException("payload.uncompressed_size", hex(claim), "the " + c.label()
                + " stream decompresses beyond the claimed " + hex(claim) + " bytes");
    }
}
