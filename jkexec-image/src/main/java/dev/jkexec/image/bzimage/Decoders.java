package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.UnsupportedImageException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.tukaani.xz.CorruptedInputException;
import org.tukaani.xz.LZMAInputStream;
import org.tukaani.xz.MemoryLimitException;
import org.tukaani.xz.UnsupportedOptionsException;
import org.tukaani.xz.XZInputStream;

/**
 * The libraries' stream decoders, opened with jkexec's memory bounds, and their failures sorted
 * into <em>damaged</em> data ({@link ImageFormatException}) and data that needs something the
 * decoder does not implement ({@link UnsupportedImageException}), each naming the field.
 *
 * <p>Memory: xz and lzma may use a dictionary as large as the output cap, or the 32 MiB that the
 * kernel's {@code scripts/xz_wrap.sh} always asks for (even for a 16 MiB kernel), whichever is
 * larger, plus {@link PayloadDecompressor#XZ_STATE_KIB} of decoder state; a zstd stream may use a window of at
 * most the output cap rounded up to a power of two (libzstd's {@code windowLogMax}), so a frame
 * asking for more is refused before its window is allocated.
 */
public final class Decoders {
    private Decoders() {
    }

    /** A decoder of compression {@code c} over {@code raw}, for at most {@code cap} bytes of output. */
    public static InputStream open(Compression c, InputStream raw, long cap) throws IOException {
        return open(c, raw, cap, cap);
    }

    /**
     * A decoder of compression {@code c} over {@code raw} whose memory is bounded by {@code cap},
     * and whose output is known to be at most {@code output} bytes (a bzImage's size claim): the
     * lzma window is capped by it (see {@link #lzma}).
     */
    public static InputStream open(Compression c, InputStream raw, long cap, long output) throws IOException {
        int xzLimitKib = (int) Math.min(Integer.MAX_VALUE,
                (Math.max(cap, PayloadDecompressor.XZ_KERNEL_DICTIONARY) >> 10) + PayloadDecompressor.XZ_STATE_KIB);
        return switch (c) {
            case GZIP -> new GZIPInputStream(raw, 64 << 10);
            case XZ -> new XZInputStream(raw, xzLimitKib);
            case LZMA -> lzma(raw, Math.min(cap, output), xzLimitKib);
            case BZIP2 -> new BZip2CompressorInputStream(raw, false);
            case ZSTD -> new ZstdInputStreamNoFinalizer(raw).setLongMax(ZstdFrameHeader.windowLog(cap));
            case GZIP_OLD, LZ4, LZO -> throw new AssertionError(c);
        };
    }

    /**
     * The .lzma ("alone") stream: a 13-byte header {u8 properties, u32 dictionary size, i64
     * uncompressed size}, then the data. The decoder allocates the dictionary the header names, so
     * the window is capped by the output bound: no match can reach further back than the bytes
     * produced. Without the cap a few hostile header bytes made every decode of a 30-byte payload
     * allocate and zero up to the memory limit (fuzzing finding 7, docs/fuzzing-findings.md).
     */
    private static InputStream lzma(InputStream raw, long output, int limitKib) throws IOException {
        byte[] h = raw.readNBytes(13);
        if (h.length < 13) {
            throw new EOFException("lzma header of " + h.length + " bytes, not 13");
        }
        long dictionary = (h[1] & 0xFFL) | (h[2] & 0xFFL) << 8 | (h[3] & 0xFFL) << 16 | (h[4] & 0xFFL) << 24;
        long size = 0;
        for (int i = 12; i >= 5; i--) {
            size = size << 8 | (h[i] & 0xFFL);
        }
        int window = (int) Math.min(Math.min(dictionary, Integer.MAX_VALUE), Math.max(output, 4096));
        int needKib = LZMAInputStream.getMemoryUsage(window, h[0]);
        if (needKib > limitKib) {
            throw new MemoryLimitException(needKib, limitKib);
        }
        return new LZMAInputStream(raw, size, h[0], window);
    }

    /** Sorts a decoder's exception: unsupported features vs damaged or truncated data. */
    public static ImageFormatException failure(Compression c, String field, String value, Throwable e) {
        String label = c.label();
        if (e instanceof UnsupportedOptionsException) {
            return new UnsupportedImageException(field, value, label + " options jkexec's decoder does not implement: "
                    + e.getMessage(), e);
        }
        if (e instanceof MemoryLimitException m) {
            return new UnsupportedImageException(field + ".dictionary", hex((long) m.getMemoryNeeded() << 10), "the "
                    + label + " stream needs " + m.getMemoryNeeded() + " KiB of decoder memory, more than the "
                    + m.getMemoryLimit() + " KiB its output size allows", e);
        }
        if (e instanceof ZstdIOException z) {
            return zstdFailure(field, z.getErrorCode(), null);
        }
        if (e instanceof EOFException) {
            return new ImageFormatException(field, value, "damaged " + label + " data: the stream is truncated", e);
        }
        String why = e instanceof CorruptedInputException || e instanceof ZipException ? e.getMessage()
                : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        return new ImageFormatException(field, value, "damaged " + label + " data: " + why, e);
    }

    /** libzstd's error code as damaged or unsupported, naming the header field where one is to blame. */
    static ImageFormatException zstdFailure(String field, long code, ZstdFrameHeader header) {
        String name = Zstd.getErrorName(code);
        if (code == Zstd.errFrameParameterWindowTooLarge() || code == Zstd.errMemoryAllocation()) {
            String window = header == null ? "" : " (the frame's window is " + hex(header.windowSize()) + " bytes)";
            return new UnsupportedImageException(field + ".window_descriptor", header == null ? "?" : hex(header.windowSize()),
                    "zstd window larger than the decompressed size allows" + window + ": " + name);
        }
        if (code == Zstd.errFrameParameterUnsupported() || code == Zstd.errVersionUnsupported()
                || code == Zstd.errParameterUnsupported()) {
            return new UnsupportedImageException(field + ".frame_header_descriptor", hex(code), "zstd frame parameters "
                    + "libzstd does not implement: " + name);
        }
        if (code == Zstd.errDictionaryWrong() || code == Zstd.errDictionaryCorrupted()) {
            return new UnsupportedImageException(field + ".dictionary_id", hex(code), "the frame needs a dictionary: " + name);
        }
        if (code == Zstd.errSrcSizeWrong()) {
            return new ImageFormatException(field, hex(code), "damaged zstd data: the stream is truncated (" + name + ")");
        }
        return new ImageFormatException(field, hex(code), "damaged zstd data: " + name);
    }
}
