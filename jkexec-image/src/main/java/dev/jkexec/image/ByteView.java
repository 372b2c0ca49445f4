package dev.jkexec.image;

import static dev.jkexec.image.ImageFormatException.hex;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reads over untrusted bytes (a kernel file, a payload, an ELF).
 *
 * <p>Every read names the field it reads; a read outside the bytes is an
 * {@link ImageFormatException} naming that field and the offset, never an
 * {@link IndexOutOfBoundsException}. Offsets and lengths are {@code long}s that may come straight
 * from the input (u64 fields read as negative longs are simply "too large"), and all end
 * computations are overflow-checked. Reads use unaligned little-endian layouts on the segment, no
 * per-byte loops.
 */
public final class ByteView {
    public static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment bytes;
    private final String what;

    /**
     * @param bytes the untrusted bytes (not copied)
     * @param what  what they are, for messages ({@code "bzImage"}, {@code "vmlinux"})
     */
    public ByteView(MemorySegment bytes, String what) {
        this.bytes = bytes;
        this.what = what;
    }

    public static ByteView of(byte[] bytes, String what) {
        return new ByteView(MemorySegment.ofArray(bytes), what);
    }

    public MemorySegment segment() {
        return bytes;
    }

    public long size() {
        return bytes.byteSize();
    }

    public String what() {
        return what;
    }

    /** Checks that {@code [offset, offset+length)} lies inside the bytes. */
    public void require(long offset, long length, String field) {
        if (!fits(offset, length, size())) {
            throw new ImageFormatException(field, hex(offset), "range " + hex(offset) + "+" + hex(length)
                    + " lies outside the " + hex(size()) + " bytes of " + what);
        }
    }

    /** Whether {@code [offset, offset+length)} lies in {@code [0, limit)}, with unsigned-overflow safety. */
    public static boolean fits(long offset, long length, long limit) {
        return offset >= 0 && length >= 0 && offset <= limit && length <= limit - offset;
    }

    public int u8(long offset, String field) {
        require(offset, 1, field);
        return Byte.toUnsignedInt(bytes.get(ValueLayout.JAVA_BYTE, offset));
    }

    public int u16(long offset, String field) {
        require(offset, 2, field);
        return Short.toUnsignedInt(bytes.get(U16, offset));
    }

    public long u32(long offset, String field) {
        require(offset, 4, field);
        return Integer.toUnsignedLong(bytes.get(U32, offset));
    }

    /** A u64; values of 2^63 and above come back negative (callers compare unsigned or reject). */
    public long u64(long offset, String field) {
        require(offset, 8, field);
        return bytes.get(U64, offset);
    }

    /** A read-only view of {@code [offset, offset+length)}, no copy. */
    public MemorySegment slice(long offset, long length, String field) {
        require(offset, length, field);
        return bytes.asSlice(offset, length).asReadOnly();
    }

    /** A copy of {@code [offset, offset+length)}. */
    public byte[] copy(long offset, long length, String field) {
        require(offset, length, field);
        if (length > Integer.MAX_VALUE - 8) {
            throw new ImageFormatException(field, hex(length), "length " + hex(length) + " is too large to copy");
        }
        return bytes.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /**
     * The NUL-terminated string at {@code offset}, at most {@code maxLength} bytes before the NUL,
     * which must lie inside {@code [offset, limit)}.
     */
    public String cString(long offset, long limit, int maxLength, String field) {
        require(offset, 1, field);
        long end = Math.min(Math.min(limit, size()), offset + maxLength + 1L);
        if (end <= offset) {
            throw new ImageFormatException(field, hex(offset), "string at " + hex(offset) + " lies outside its area ending at " + hex(limit));
        }
        byte[] window = bytes.asSlice(offset, end - offset).toArray(ValueLayout.JAVA_BYTE);
        for (int i = 0; i < window.length; i++) {
            if (window[i] == 0) {
                return new String(window, 0, i, StandardCharsets.ISO_8859_1);
            }
        }
        throw new ImageFormatException(field, hex(offset), "no NUL terminator within " + hex(end - offset)
                + " bytes of the string at " + hex(offset));
    }

    /** {@code a + b}, or an {@link ImageFormatException} naming {@code field} when it overflows a signed long. */
    public static long add(long a, long b, String field) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException _) {
            throw new ImageFormatException(field, hex(a), hex(a) + " + " + hex(b) + " overflows");
        }
    }

}
