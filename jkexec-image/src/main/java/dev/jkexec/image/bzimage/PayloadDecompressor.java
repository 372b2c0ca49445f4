package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.UnsupportedImageException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Decompresses a bzImage payload (the compressed vmlinux) with bounded output and bounded
 * decoder memory.
 *
 * <p>The payload's last 4 bytes hold the uncompressed size (the kernel build appends it; for gzip
 * it is the gzip trailer's ISIZE). That claim is checked against the caller's cap (a bzImage's
 * {@code init_size}: the decompressed kernel cannot need more room than the kernel reserves for
 * itself) before anything is allocated, then exactly one buffer of the claimed size is allocated
 * and filled. The stream must produce exactly the claimed size: fewer bytes is a truncated or
 * damaged payload, more is a bomb. Either way the result is an {@link ImageFormatException},
 * never an {@code OutOfMemoryError}. Decoder memory is bounded by the same cap: xz/lzma may use a
 * dictionary of the cap (or the 32 MiB every kernel's xz stream asks for) plus 4 MiB of decoder
 * state; zstd and lz4 decompress in one shot
 * straight into the output buffer, so a zstd window of any size (Debian's 6.12 kernels use
 * 128 MiB) costs no memory of its own.
 *
 * <p>Errors tell a damaged payload ({@link ImageFormatException}: "damaged ...") from one that
 * uses something jkexec's decoders do not implement ({@link UnsupportedImageException}:
 * "unsupported: ..."), and name the field: {@code payload.uncompressed_size},
 * {@code payload.zstd.window_descriptor}, {@code payload.xz}, ...
 *
 * <p>The decompressors are libraries: the JDK (gzip), tukaani xz (xz with its x86 BCJ filter,
 * lzma), commons-compress (bzip2), aircompressor (lz4 blocks), zstd-jni (the reference libzstd).
 * Only the lz4 legacy framing and the zstd frame header reading are ours ({@link Lz4LegacyFrame},
 * {@link ZstdFrameHeader}).
 */
public final class PayloadDecompressor {
    /** No kernel is bigger than this decompressed; the bound for hostile size claims. */
    public static final long HARD_CAP = 512L << 20;
    /** The xz dictionary the kernel build uses for every kernel (scripts/xz_wrap.sh: {@code dict=32MiB}). */
    static final long XZ_KERNEL_DICTIONARY = 32L << 20;
    /** Decoder state the xz/lzma decoders may use on top of their dictionary. */
    static final long XZ_STATE_KIB = 4 << 10;
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
            throw new UnsupportedImageException("payload.magic", Compression.leadingHex(payload),
                    "lzo payloads are not supported (no Java lzop decoder)");
        }
        if (c == Compression.GZIP_OLD) {
            throw new UnsupportedImageException("payload.magic", Compression.leadingHex(payload),
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
                default -> stream(c, body, out, limit);
            };
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw Decoders.failure(c, "payload." + c.label(), Compression.leadingHex(payload), e);
        }
        if (produced != claim) {
            throw new ImageFormatException("payload.uncompressed_size", hex(claim), "the " + c.label()
                    + " stream ended after " + hex(produced) + " of the claimed " + hex(claim) + " bytes");
        }
        return out;
    }

    private static long stream(Compression c, MemorySegment body, byte[] out, long limit) throws IOException {
        try (InputStream in = Decoders.open(c, new SegmentInputStream(body), limit, out.length)) {
            int n = in.readNBytes(out, 0, out.length);
            if (n == out.length && in.read() != -1) {
                throw bomb(c, out.length);
            }
            return n;
        }
    }

    /**
     * zstd in one shot into the output buffer: libzstd needs no window of its own then, so the
     * frame's window size (read first, for the error messages) costs nothing.
     */
    private static long zstd(MemorySegment body, byte[] out) {
        ZstdFrameHeader h = ZstdFrameHeader.parse(body);
        if (h.contentSize() > out.length) {
            throw bomb(Compression.ZSTD, out.length);
        }
        byte[] in = body.toArray(ValueLayout.JAVA_BYTE);
        long code;
        try {
            long r = Zstd.decompressByteArray(out, 0, out.length, in, 0, in.length);
            if (!Zstd.isError(r)) {
                return r;
            }
            code = Zstd.getErrorCode(r);
        } catch (ZstdException e) {
            code = e.getErrorCode();
        }
        if (code == Zstd.errDstSizeTooSmall()) {
            throw bomb(Compression.ZSTD, out.length);
        }
        throw Decoders.zstdFailure("payload.zstd", code, h);
    }

    static ImageFormatException bomb(Compression c, long claim) {
        return new ImageFormatException("payload.uncompressed_size", hex(claim), "the " + c.label()
                + " stream decompresses beyond the claimed " + hex(claim) + " bytes");
    }
}
