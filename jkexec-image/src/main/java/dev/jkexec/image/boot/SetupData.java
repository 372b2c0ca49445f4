package dev.jkexec.image.boot;

import dev.jkexec.image.ByteView;
import java.lang.foreign.MemorySegment;

/**
 * A {@code setup_data} node (boot protocol 2.09+): {@code {u64 next; u32 type; u32 len; u8 data[len]}}.
 * Nodes form a singly linked list of physical addresses headed by {@code hdr.setup_data}; since a
 * node's address is only known once its segment is placed, callers lay out first and link after.
 */
public record SetupData(int type, byte[] data) {
    public static final int HEADER_SIZE = 16;
    public static final int SETUP_NONE = 0;
    public static final int SETUP_E820_EXT = 1;

    public SetupData {
        data = data.clone();
    }

    /** Bytes the node occupies. */
    public int size() {
        return HEADER_SIZE + data.length;
    }

    /** Writes the node at {@code offset} of {@code into}, linking to {@code next} (0 ends the list). */
    public void writeTo(byte[] into, int offset, long next) {
        MemorySegment s = MemorySegment.ofArray(into);
        s.set(ByteView.U64, offset, next);
        s.set(ByteView.U32, offset + 8, type);
        s.set(ByteView.U32, offset + 12, data.length);
        System.arraycopy(data, 0, into, offset + HEADER_SIZE, data.length);
    }

    /** Reads the node at {@code offset}. */
    public static SetupData readFrom(byte[] from, int offset) {
        ByteView v = ByteView.of(from, "setup_data");
        int type = (int) v.u32(offset + 8, "setup_data.type");
        long len = v.u32(offset + 12, "setup_data.len");
        return new SetupData(type, v.copy(offset + HEADER_SIZE, len, "setup_data.data"));
    }

    /** The {@code next} pointer of the node at {@code offset}. */
    public static long nextOf(byte[] from, int offset) {
        return ByteView.of(from, "setup_data").u64(offset, "setup_data.next");
    }
}
