package dev.jkexec.image.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Little-endian pokes into byte arrays, for building and corrupting test inputs. */
public final class Le {
    private Le() {
    }

    public static ByteBuffer wrap(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    public static void u8(byte[] b, int at, long v) {
        b[at] = (byte) v;
    }

    public static void u16(byte[] b, int at, long v) {
        wrap(b).putShort(at, (short) v);
    }

    public static void u32(byte[] b, int at, long v) {
        wrap(b).putInt(at, (int) v);
    }

    public static void u64(byte[] b, int at, long v) {
        wrap(b).putLong(at, v);
    }

    public static long getU32(byte[] b, int at) {
        return Integer.toUnsignedLong(wrap(b).getInt(at));
    }

    public static long getU64(byte[] b, int at) {
        return wrap(b).getLong(at);
    }
}
