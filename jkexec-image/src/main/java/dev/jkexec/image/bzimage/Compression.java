package dev.jkexec.image.bzimage;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The compressions a bzImage payload can use, recognised by their leading magic bytes (the
 * kernel's {@code scripts/Makefile.lib} compressors; LZO is recognised but not decompressed).
 */
public enum Compression {
    GZIP("gzip", new byte[] {0x1F, (byte) 0x8B}),
    /** gzip's old "compress" variant magic, still accepted by the kernel's gunzip. */
    GZIP_OLD("gzip", new byte[] {0x1F, (byte) 0x9E}),
    XZ("xz", new byte[] {(byte) 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00}),
    LZMA("lzma", new byte[] {0x5D, 0x00, 0x00}),
    /** The LZ4 legacy frame ({@code lz4 -l}): magic 0x184C2102. */
    LZ4("lz4", new byte[] {0x02, 0x21, 0x4C, 0x18}),
    ZSTD("zstd", new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD}),
    BZIP2("bzip2", new byte[] {0x42, 0x5A, 0x68}),
    LZO("lzo", new byte[] {(byte) 0x89, 0x4C, 0x5A, 0x4F});

    private final String label;
    private final byte[] magic;

    Compression(String label, byte[] magic) {
        this.label = label;
        this.magic = magic;
    }

    /** Name as printed ({@code xz}, {@code lz4}). */
    public String label() {
        return label;
    }

    /** The compression whose magic starts {@code payload}, or {@code null} if none does. */
    public static Compression detect(MemorySegment payload) {
        for (Compression c : values()) {
            if (payload.byteSize() >= c.magic.length
                    && MemorySegment.mismatch(payload, 0, c.magic.length, MemorySegment.ofArray(c.magic), 0, c.magic.length) == -1) {
                return c;
            }
        }
        return null;
    }

    /** Up to the first 8 bytes of {@code payload} in hex, for messages. */
    public static String leadingHex(MemorySegment payload) {
        byte[] b = payload.asSlice(0, Math.min(8, payload.byteSize())).toArray(ValueLayout.JAVA_BYTE);
        return java.util.HexFormat.ofDelimiter(" ").formatHex(b);
    }
}
