package dev.jkexec.machine.hypercall;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The doorbell's two frames: a hypercall from the guest and jkexec's answer. Little endian, fixed
 * size, the same layout as the guest shim's {@code channel.c}:
 *
 * <pre>
 * request, 80 bytes                         response, 24 bytes
 *  0 u32 magic "JKHC"                         0 u32 magic "JKHR"
 *  4 u16 version 1                            4 u16 version 1
 *  6 u16 flags: bit 0 = 32-bit caller         6 u16 0
 *  8 u64 seq (echoed)                         8 u64 seq of the request
 * 16 u64 op (the hypercall number)           16 i64 return value: &gt;= 0, or -errno
 * 24 u64 args[5]
 * 64 u64 where the caller mapped the window (its virtual address)
 * 72 u32 the caller: its process id
 * 76 u32 0
 * </pre>
 */
public final class DoorbellFrame {
    public static final int REQUEST_MAGIC = 0x4348_4B4A;   // "JKHC" little endian
    public static final int RESPONSE_MAGIC = 0x5248_4B4A;  // "JKHR"
    public static final int VERSION = 1;
    public static final int FLAG_COMPAT = 1;
    public static final int REQUEST_SIZE = 80;
    public static final int RESPONSE_SIZE = 24;
    static final int MAGIC = 0;
    static final int VERSION_FIELD = 4;
    static final int FLAGS = 6;
    static final int SEQ = 8;
    static final int OP = 16;
    static final int ARGS = 24;
    static final int WINDOW_VA = 64;
    static final int CALLER = 72;
    static final int RET = 16;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private DoorbellFrame() {
    }

    /**
     * One hypercall as the guest rang it.
     *
     * @param version  the frame version; only {@link #VERSION} is served
     * @param flags    {@link #FLAG_COMPAT}: the caller is a 32-bit process (Xen's compat layouts)
     * @param windowVa the caller's virtual address of the window's first byte: handles are
     *                 resolved against it
     * @param caller   the calling process (its pid in the guest)
     */
    public record Request(int version, int flags, long seq, long op, long[] args, long windowVa, int caller) {
        public Request {
            if (args.length != 5) {
                throw new IllegalArgumentException("a hypercall has 5 arguments, not " + args.length);
            }
            args = args.clone();
        }

        @Override
        public long[] args() {
            return args.clone();
        }

        public long arg(int i) {
            return args[i];
        }

        public boolean compat() {
            return (flags & FLAG_COMPAT) != 0;
        }

        /** The current version, known flags only. */
        public boolean wellFormed() {
            return version == VERSION && (flags & ~FLAG_COMPAT) == 0;
        }

        public byte[] encode() {
            byte[] b = new byte[REQUEST_SIZE];
            MemorySegment s = MemorySegment.ofArray(b);
            s.set(U32, MAGIC, REQUEST_MAGIC);
            s.set(U16, VERSION_FIELD, (short) version);
            s.set(U16, FLAGS, (short) flags);
            s.set(U64, SEQ, seq);
            s.set(U64, OP, op);
            for (int i = 0; i < 5; i++) {
                s.set(U64, ARGS + 8L * i, args[i]);
            }
            s.set(U64, WINDOW_VA, windowVa);
            s.set(U32, CALLER, caller);
            return b;
        }
    }

    /** A request of the current version. */
    public static Request request(long seq, long op, long windowVa, boolean compat, long... args) {
        return request(seq, op, windowVa, compat, 1, args);
    }

    /** A request of the current version from process {@code caller}. */
    public static Request request(long seq, long op, long windowVa, boolean compat, int caller, long... args) {
        long[] a = java.util.Arrays.copyOf(args, 5);
        return new Request(VERSION, compat ? FLAG_COMPAT : 0, seq, op, a, windowVa, caller);
    }

    /** Whether {@code frame[offset..]} starts with the request magic. */
    public static boolean startsRequest(byte[] frame, int offset) {
        return frame.length - offset >= 4 && MemorySegment.ofArray(frame).get(U32, offset) == REQUEST_MAGIC;
    }

    /** Decodes a request frame (its magic already matched); any version or flags are returned as sent. */
    public static Request decodeRequest(byte[] frame) {
        if (frame.length != REQUEST_SIZE || !startsRequest(frame, 0)) {
            throw new IllegalArgumentException("not a " + REQUEST_SIZE + "-byte request frame");
        }
        MemorySegment s = MemorySegment.ofArray(frame);
        long[] args = new long[5];
        for (int i = 0; i < 5; i++) {
            args[i] = s.get(U64, ARGS + 8L * i);
        }
        return new Request(Short.toUnsignedInt(s.get(U16, VERSION_FIELD)), Short.toUnsignedInt(s.get(U16, FLAGS)),
                s.get(U64, SEQ), s.get(U64, OP), args, s.get(U64, WINDOW_VA), s.get(U32, CALLER));
    }

    /** jkexec's answer to request {@code seq}. */
    public static byte[] response(long seq, long ret) {
        byte[] b = new byte[RESPONSE_SIZE];
        MemorySegment s = MemorySegment.ofArray(b);
        s.set(U32, MAGIC, RESPONSE_MAGIC);
        s.set(U16, VERSION_FIELD, (short) VERSION);
        s.set(U64, SEQ, seq);
        s.set(U64, RET, ret);
        return b;
    }

    /** The {@code seq} and return value of a response frame. */
    public record Response(long seq, long ret) {
    }

    public static Response decodeResponse(byte[] frame) {
        MemorySegment s = MemorySegment.ofArray(frame);
        if (frame.length != RESPONSE_SIZE || s.get(U32, MAGIC) != RESPONSE_MAGIC) {
            throw new IllegalArgumentException("not a " + RESPONSE_SIZE + "-byte response frame");
        }
        return new Response(s.get(U64, SEQ), s.get(U64, RET));
    }
}
