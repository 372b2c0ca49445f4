package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;

/**
 * The {@code kernel_info} block of protocol 2.15, found at {@code kernel_info_offset} from the start
 * of the protected-mode code: magic "LToP", its fixed size, the total size including variable
 * data, and {@code setup_type_max} (the highest setup_data type the kernel knows).
 */
public record KernelInfo(long fileOffset, long size, long sizeTotal, long setupTypeMax) {
    /** "LToP" little endian. */
    public static final long MAGIC = 0x506F544CL;
    static final String FIELD = "kernel_info";

    static KernelInfo parse(ByteView file, long fileOffset) {
        long magic = file.u32(fileOffset, FIELD + ".header");
        if (magic != MAGIC) {
            throw ImageFormatException.mismatch(FIELD + ".header", magic, MAGIC);
        }
        long size = file.u32(fileOffset + 4, FIELD + ".size");
        long total = file.u32(fileOffset + 8, FIELD + ".size_total");
        if (size < 0x10 || total < size) {
            throw new ImageFormatException(FIELD + ".size", hex(size), "size " + hex(size) + " / size_total "
                    + hex(total) + " cannot hold the fixed part (0x10 bytes)");
        }
        file.require(fileOffset, total, FIELD + ".size_total");
        return new KernelInfo(fileOffset, size, total, file.u32(fileOffset + 12, FIELD + ".setup_type_max"));
    }
}
