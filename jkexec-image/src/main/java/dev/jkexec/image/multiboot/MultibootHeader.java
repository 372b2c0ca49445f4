package dev.jkexec.image.multiboot;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A Multiboot (v1) header: magic 0x1BADB002, flags and checksum, within the first 8 KiB of a kernel
 * file, 4-byte aligned, with {@code magic + flags + checksum == 0 (mod 2^32)}. When flag bit 16 is
 * set the header carries the load addresses ({@code header_addr}, {@code load_addr},
 * {@code load_end_addr}, {@code bss_end_addr}, {@code entry_addr}); when bit 2 is set, the video
 * mode fields. Fields a header does not carry are 0.
 *
 * @param fileOffset  where the header starts in the file
 * @param flags       the flags word
 * @param checksum    the checksum word
 * @param headerAddr  bit 16: physical address the header itself is loaded to
 * @param loadAddr    bit 16: physical start of the text segment
 * @param loadEndAddr bit 16: physical end of the data segment (0 = whole file)
 * @param bssEndAddr  bit 16: physical end of bss (0 = no bss)
 * @param entryAddr   bit 16: physical entry point
 * @param modeType    bit 2: preferred video mode type (0 linear, 1 text)
 * @param width       bit 2: columns or pixels
 * @param height      bit 2: lines or pixels
 * @param depth       bit 2: bits per pixel
 */
public record MultibootHeader(long fileOffset, long flags, long checksum, long headerAddr, long loadAddr,
                              long loadEndAddr, long bssEndAddr, long entryAddr, long modeType, long width,
                              long height, long depth) {
    public static final long MAGIC = 0x1BADB002L;
    /** The header must start within this many bytes of the file. */
    public static final int SEARCH_LIMIT = 8192;
    public static final long FLAG_PAGE_ALIGN = 1L;
    public static final long FLAG_MEMORY_INFO = 1L << 1;
    public static final long FLAG_VIDEO_MODE = 1L << 2;
    public static final long FLAG_ADDRESSES = 1L << 16;

    /**
     * The first header in the file's first 8 KiB whose checksum holds, if any. Candidates with a bad
     * checksum are skipped, as boot loaders do.
     */
    public static Optional<MultibootHeader> find(MemorySegment file) {
        ByteView v = new ByteView(file, "kernel file");
        long limit = Math.min(SEARCH_LIMIT, file.byteSize()) - 12;
        for (long at = 0; at <= limit; at += 4) {
            if (v.u32(at, "multiboot.magic") == MAGIC
                    && ((MAGIC + v.u32(at + 4, "multiboot.flags") + v.u32(at + 8, "multiboot.checksum")) & 0xFFFF_FFFFL) == 0) {
                return Optional.of(parseAt(file, at));
            }
        }
        return Optional.empty();
    }

    /** Parses the header at {@code offset}, with named checks for the magic, the checksum and the optional fields' bounds. */
    public static MultibootHeader parseAt(MemorySegment file, long offset) {
        ByteView v = new ByteView(file, "kernel file");
        long magic = v.u32(offset, "multiboot.magic");
        if (magic != MAGIC) {
            throw ImageFormatException.mismatch("multiboot.magic", magic, MAGIC);
        }
        long flags = v.u32(offset + 4, "multiboot.flags");
        long checksum = v.u32(offset + 8, "multiboot.checksum");
        long expected = (-(MAGIC + flags)) & 0xFFFF_FFFFL;
        if (checksum != expected) {
            throw ImageFormatException.mismatch("multiboot.checksum", checksum, expected);
        }
        long[] addr = new long[5];
        if ((flags & FLAG_ADDRESSES) != 0) {
            String[] names = {"header_addr", "load_addr", "load_end_addr", "bss_end_addr", "entry_addr"};
            for (int i = 0; i < 5; i++) {
                addr[i] = v.u32(offset + 12 + 4L * i, "multiboot." + names[i]);
            }
            if (addr[1] > addr[0]) {
                throw new ImageFormatException("multiboot.load_addr", hex(addr[1]), "load_addr " + hex(addr[1])
                        + " lies above header_addr " + hex(addr[0]));
            }
        }
        long[] video = new long[4];
        if ((flags & FLAG_VIDEO_MODE) != 0) {
            String[] names = {"mode_type", "width", "height", "depth"};
            for (int i = 0; i < 4; i++) {
                video[i] = v.u32(offset + 32 + 4L * i, "multiboot." + names[i]);
            }
        }
        return new MultibootHeader(offset, flags, checksum, addr[0], addr[1], addr[2], addr[3], addr[4],
                video[0], video[1], video[2], video[3]);
    }

    public boolean hasAddresses() {
        return (flags & FLAG_ADDRESSES) != 0;
    }

    /** The named flags set ({@code PAGE_ALIGN}, {@code MEMORY_INFO}, {@code VIDEO_MODE}, {@code ADDRESSES}), then unnamed bits in hex. */
    public List<String> flagNames() {
        List<String> out = new ArrayList<>();
        long rest = flags;
        if ((flags & FLAG_PAGE_ALIGN) != 0) {
            out.add("PAGE_ALIGN");
        }
        if ((flags & FLAG_MEMORY_INFO) != 0) {
            out.add("MEMORY_INFO");
        }
        if ((flags & FLAG_VIDEO_MODE) != 0) {
            out.add("VIDEO_MODE");
        }
        if ((flags & FLAG_ADDRESSES) != 0) {
            out.add("ADDRESSES");
        }
        rest &= ~(FLAG_PAGE_ALIGN | FLAG_MEMORY_INFO | FLAG_VIDEO_MODE | FLAG_ADDRESSES);
        if (rest != 0) {
            out.add(hex(rest));
        }
        return out;
    }
}
