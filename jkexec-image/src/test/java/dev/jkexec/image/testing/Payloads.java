package dev.jkexec.image.testing;

import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.zstd.ZstdCompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.tukaani.xz.FilterOptions;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.LZMAOutputStream;
import org.tukaani.xz.X86Options;
import org.tukaani.xz.XZOutputStream;

/**
 * Kernel payloads as the kernel build makes them: compressed data followed by the 4-byte
 * little-endian uncompressed size (gzip: its own ISIZE trailer). Compressors are the libraries'.
 */
public final class Payloads {
    private Payloads() {
    }

    public interface Body {
        void write(OutputStream out) throws IOException;
    }

    public static byte[] gzip(byte[] data) {
        return compress(out -> {
            try (GZIPOutputStream z = new GZIPOutputStream(out)) {
                z.write(data);
            }
        });
    }

    /** xz with the x86 BCJ filter, like scripts/xz_wrap.sh, plus the size trailer. */
    public static byte[] xz(byte[] data) {
        return withTrailer(compress(out -> {
            try (XZOutputStream z = new XZOutputStream(out, new FilterOptions[] {new X86Options(), new LZMA2Options(1)})) {
                z.write(data);
            }
        }), data.length);
    }

    /** xz (with BCJ) whose LZMA2 dictionary is {@code dictionary} bytes, plus the size trailer. */
    public static byte[] xzWithDictionary(byte[] data, int dictionary) {
        return withTrailer(compress(out -> {
            LZMA2Options o = new LZMA2Options(1);
            o.setDictSize(dictionary);
            try (XZOutputStream z = new XZOutputStream(out, new FilterOptions[] {new X86Options(), o})) {
                z.write(data);
            }
        }), data.length);
    }

    public static byte[] lzma(byte[] data) {
        return withTrailer(compress(out -> {
            try (LZMAOutputStream z = new LZMAOutputStream(out, new LZMA2Options(1), -1)) {
                z.write(data);
            }
        }), data.length);
    }

    public static byte[] bzip2(byte[] data) {
        return withTrailer(compress(out -> {
            try (BZip2CompressorOutputStream z = new BZip2CompressorOutputStream(out)) {
                z.write(data);
            }
        }), data.length);
    }

    public static byte[] zstd(byte[] data) {
        ZstdCompressor c = new ZstdCompressor();
        byte[] out = new byte[c.maxCompressedLength(data.length)];
        int n = c.compress(data, 0, data.length, out, 0, out.length);
        return withTrailer(Arrays.copyOf(out, n), data.length);
    }

    /**
     * zstd as Debian's kernel build writes it ({@code zstd -19 --long=27}): one frame whose header
     * says a window of {@code 2^windowLog} bytes, a content checksum and no content size, written
     * through the streaming API so the window stays what was asked for, plus the size trailer.
     */
    public static byte[] zstdLong(byte[] data, int windowLog) {
        return withTrailer(compress(out -> {
            try (com.github.luben.zstd.ZstdOutputStreamNoFinalizer z = new com.github.luben.zstd.ZstdOutputStreamNoFinalizer(out)) {
                z.setLevel(3).setLong(windowLog).setWindowLog(windowLog).setChecksum(true);
                for (int at = 0; at < data.length; at += 4096) {
                    z.write(data, at, Math.min(4096, data.length - at));
                    z.flush();
                }
            }
        }), data.length);
    }

    /** The LZ4 legacy frame: magic, then {u32 size, block} per 8 MiB chunk, plus the size trailer. */
    public static byte[] lz4Legacy(byte[] data, int chunk) {
        Lz4Compressor c = new Lz4Compressor();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {0x02, 0x21, 0x4C, 0x18});
        byte[] block = new byte[c.maxCompressedLength(chunk)];
        for (int at = 0; at < data.length; at += chunk) {
            int n = c.compress(data, at, Math.min(chunk, data.length - at), block, 0, block.length);
            byte[] size = new byte[4];
            Le.u32(size, 0, n);
            out.writeBytes(size);
            out.write(block, 0, n);
        }
        return withTrailer(out.toByteArray(), data.length);
    }

    public static byte[] lz4Legacy(byte[] data) {
        return lz4Legacy(data, 8 << 20);
    }

    public static byte[] withTrailer(byte[] body, long size) {
        byte[] out = Arrays.copyOf(body, body.length + 4);
        Le.u32(out, body.length, size);
        return out;
    }

    static byte[] compress(Body body) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            body.write(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
