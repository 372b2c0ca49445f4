package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.UnsupportedImageException;
import dev.jkexec.image.bzimage.Compression;
import dev.jkexec.image.bzimage.Decoders;
import dev.jkexec.image.bzimage.PayloadDecompressor;
import dev.jkexec.image.bzimage.SegmentInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.util.EnumSet;
import java.util.Set;

/**
 * A kernel file as users keep it: as built (a bzImage, an ELF, a Multiboot kernel), or compressed
 * whole — Debian's {@code xen-4.17-amd64.gz}, a {@code vmlinux.xz}, a {@code vmlinuz.zst}.
 * {@link #open} recognises a whole-file compression by its content (gzip {@code 1f 8b}, xz
 * {@code fd 37 7a 58 5a 00}, zstd {@code 28 b5 2f fd}, bzip2 {@code 42 5a 68}), never by the
 * file's name, and decompresses it once; a file that is none of these is returned as it is.
 * No kernel format starts with these bytes (a bzImage starts with its boot sector, an ELF with
 * {@code 7f 45 4c 46}), and a compressed file inside a compressed file is refused.
 *
 * <p>Output is bounded by the caller's cap (the guest's RAM: a kernel must fit the machine it
 * runs on) and by {@link PayloadDecompressor#HARD_CAP}; decoder memory by the same bound. Going
 * past it is an error naming {@code kernel.<compression>}, never an {@code OutOfMemoryError}.
 *
 * @param contents    the kernel bytes, decompressed if the file was compressed
 * @param compression the whole-file compression, or {@code null} for a file kept as built
 */
public record KernelFile(MemorySegment contents, Compression compression) {
    /** The compressions users apply to whole kernel files. */
    static final Set<Compression> WHOLE_FILE = EnumSet.of(Compression.GZIP, Compression.XZ, Compression.ZSTD, Compression.BZIP2);

    /** Opens {@code file}, decompressing it with output at most {@code min(cap, HARD_CAP)} bytes. */
    public static KernelFile open(MemorySegment file, long cap) {
        Compression c = Compression.detect(file);
        if (c == null || !WHOLE_FILE.contains(c)) {
            return new KernelFile(file, null);
        }
        long limit = Math.min(cap, PayloadDecompressor.HARD_CAP);
        String field = "kernel." + c.label();
        byte[] out;
        try (InputStream in = Decoders.open(c, new SegmentInputStream(file), limit)) {
            out = in.readNBytes((int) limit);
            if (out.length == limit && in.read() != -1) {
                throw new ImageFormatException(field, hex(limit), "the " + c.label() + "-compressed kernel file "
                        + "decompresses to more than " + hex(limit) + " bytes (the guest's RAM bounds a kernel)");
            }
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw Decoders.failure(c, field, Compression.leadingHex(file), e);
        }
        MemorySegment contents = MemorySegment.ofArray(out);
        Compression inner = Compression.detect(contents);
        if (inner != null && WHOLE_FILE.contains(inner)) {
            throw new UnsupportedImageException(field, inner.label(), "the " + c.label() + "-compressed kernel file holds "
                    + "another " + inner.label() + "-compressed file; decompress it once yourself");
        }
        if (out.length == 0) {
            throw new ImageFormatException(field, "0x0", "the " + c.label() + "-compressed kernel file is empty inside");
        }
        return new KernelFile(contents, c);
    }

    /** Opens {@code file} with only the {@link PayloadDecompressor#HARD_CAP}. */
    public static KernelFile open(MemorySegment file) {
        return open(file, PayloadDecompressor.HARD_CAP);
    }

    /** {@code "gzip-compressed "} or the empty string, for descriptions. */
    public String describe() {
        return compression == null ? "" : compression.label() + "-compressed file, ";
    }
}
