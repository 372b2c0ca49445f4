package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.UnsupportedImageException;
import java.lang.foreign.MemorySegment;

/**
 * The header of a zstd frame (RFC 8878 §3.1.1.1), read so that errors can name the field and so
 * that the window a decoder needs is known before decoding:
 * <pre>
 *   magic 28 b5 2f fd | descriptor (1) | [window descriptor (1)] | [dictionary id (0/1/2/4)] | [content size (0/1/2/4/8)]
 * </pre>
 * Descriptor bits: 7-6 content size field size, 5 single segment, 4 unused, 3 reserved (must be
 * 0), 2 content checksum, 1-0 dictionary id field size. The window size is
 * {@code (1 << (10 + exponent)) * (1 + mantissa / 8)} from the window descriptor, or the content
 * size for a single-segment frame. Linux's {@code make} writes one frame with the content size and
 * a window of up to 2^27 bytes (Debian's kernels use {@code --long=27}).
 *
 * @param windowSize  bytes of history the decoder must keep (the window)
 * @param contentSize the decompressed size the frame declares, or -1 when it does not say
 * @param checksum    whether the frame ends with a content checksum
 * @param headerSize  bytes of the header, magic included
 */
public record ZstdFrameHeader(long windowSize, long contentSize, boolean checksum, int headerSize) {
    public static final long MAGIC = 0xFD2FB528L;
    /** Largest window the format allows (window log 41), far beyond any decoder's. */
    static final int MAX_WINDOW_LOG = 41;

    /** Parses the frame header at the start of {@code data}. */
    public static ZstdFrameHeader parse(MemorySegment data) {
        ByteView v = new ByteView(data, "zstd frame");
        long magic = v.u32(0, "payload.zstd.magic");
        if (magic != MAGIC) {
            throw ImageFormatException.mismatch("payload.zstd.magic", magic, MAGIC);
        }
        int fhd = v.u8(4, "payload.zstd.frame_header_descriptor");
        if ((fhd & 0x08) != 0) {
            throw new ImageFormatException("payload.zstd.frame_header_descriptor", hex(fhd),
                    "damaged: reserved bit 3 of the frame header descriptor " + hex(fhd) + " is set");
        }
        int fcsFlag = fhd >>> 6;
        boolean single = (fhd & 0x20) != 0;
        boolean checksum = (fhd & 0x04) != 0;
        int dictFlag = fhd & 0x03;
        long at = 5;
        long window = -1;
        if (!single) {
            int wd = v.u8(at++, "payload.zstd.window_descriptor");
            int log = 10 + (wd >>> 3);
            if (log > MAX_WINDOW_LOG) {
                throw new ImageFormatException("payload.zstd.window_descriptor", hex(wd),
                        "damaged: window log " + log + " exceeds the format's " + MAX_WINDOW_LOG);
            }
            long base = 1L << log;
            window = base + (base / 8) * (wd & 7);
        }
        int dictBytes = new int[] {0, 1, 2, 4}[dictFlag];
        long dictionary = 0;
        for (int i = 0; i < dictBytes; i++) {
            dictionary |= (long) v.u8(at++, "payload.zstd.dictionary_id") << (8 * i);
        }
        if (dictionary != 0) {
            throw new UnsupportedImageException("payload.zstd.dictionary_id", hex(dictionary), "the frame needs dictionary "
                    + hex(dictionary) + "; a kernel payload is never compressed with a dictionary");
        }
        int fcsBytes = switch (fcsFlag) {
            case 0 -> single ? 1 : 0;
            case 1 -> 2;
            case 2 -> 4;
            default -> 8;
        };
        long content = -1;
        if (fcsBytes > 0) {
            content = 0;
            for (int i = 0; i < fcsBytes; i++) {
                content |= (long) v.u8(at++, "payload.zstd.frame_content_size") << (8 * i);
            }
            if (fcsBytes == 2) {
                content += 256;
            }
        }
        if (single) {
            window = content;
        }
        return new ZstdFrameHeader(window, content, checksum, (int) at);
    }

    /** The smallest window log that holds {@code bytes} (at least 10, zstd's minimum). */
    public static int windowLog(long bytes) {
        int log = 64 - Long.numberOfLeadingZeros(Math.max(1, bytes - 1));
        return Math.max(10, log);
    }
}
