package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import io.airlift.compress.lz4.Lz4Decompressor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The LZ4 legacy frame ({@code lz4 -l}, as the kernel's {@code unlz4} reads it): the magic
 * 0x184C2102, then blocks of {@code {u32 LE compressed size, compressed data}}, each decompressing
 * to at most 8 MiB. A repeated magic starts a concatenated frame. The kernel's 4-byte size trailer
 * is <em>not</em> part of the frame: the caller passes the body without it, so the loop ends
 * exactly at the end of the last block.
 *
 * <p>The framing loop is ours; each block is decompressed by aircompressor's LZ4 block decoder,
 * straight into the output buffer while at least one whole block of room is left, otherwise
 * through a scratch block so that a block overrunning the claimed size is reported as such.
 */
final class Lz4LegacyFrame {
    static final int MAGIC = 0x184C2102;
    /** Most bytes one block decompresses to. */
    static final int CHUNK = 8 << 20;
    /** LZ4_compressBound(CHUNK): the largest compressed block a valid frame holds. */
    static final int MAX_BLOCK = CHUNK + CHUNK / 255 + 16;

    private Lz4LegacyFrame() {
    }

    /** Decompresses {@code body} (magic first, no size trailer) into {@code out}; returns the bytes written. */
    static long decompress(MemorySegment body, byte[] out) {
        ByteView v = new ByteView(body, "lz4 payload");
        long magic = v.u32(0, "payload.lz4.magic");
        if (magic != MAGIC) {
            throw ImageFormatException.mismatch("payload.lz4.magic", magic, MAGIC);
        }
        Lz4Decompressor lz4 = new Lz4Decompressor();
        byte[] in = new byte[(int) Math.min(MAX_BLOCK, body.byteSize())];
        byte[] spill = null;
        long pos = 4;
        int written = 0;
        int block = 0;
        while (pos < body.byteSize()) {
            String field = "payload.lz4.block[" + block + "].size";
            if (body.byteSize() - pos < 4) {
                throw new ImageFormatException(field, hex(pos), hex(body.byteSize() - pos)
                        + " trailing bytes at " + hex(pos) + " cannot hold a block header");
            }
            long size = v.u32(pos, field);
            if (size == MAGIC) {
                pos += 4;
                continue;
            }
            if (size == 0 || size > MAX_BLOCK) {
                throw new ImageFormatException(field, hex(size), "compressed block size " + hex(size)
                        + " outside 1.." + hex(MAX_BLOCK));
            }
            v.require(pos + 4, size, field);
            MemorySegment.copy(body, ValueLayout.JAVA_BYTE, pos + 4, in, 0, (int) size);
            int room = out.length - written;
            if (room >= CHUNK) {
                written += lz4.decompress(in, 0, (int) size, out, written, CHUNK);
            } else {
                if (spill == null) {
                    spill = new byte[CHUNK];
                }
                int n = lz4.decompress(in, 0, (int) size, spill, 0, CHUNK);
                if (n > room) {
                    throw PayloadDecompressor.bomb(Compression.LZ4, out.length);
                }
                System.arraycopy(spill, 0, out, written, n);
                written += n;
            }
            pos += 4 + size;
            block++;
        }
        return written;
    }
}
