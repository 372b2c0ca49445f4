package dev.jkexec.platform;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A machine's physical memory as one {@link MemorySegment}: byte offset = guest-physical address.
 *
 * <p>The machine supplies QEMU's shared RAM mapping; tests use heap or arena memory. All access is
 * bounds checked against {@link #size()}; an access outside throws {@link OutOfRangeException},
 * which callers on untrusted paths turn into {@code -EFAULT}. Bulk copies go through
 * {@link MemorySegment#copy}, never per-byte loops.
 *
 * <p>A <em>window</em> ({@link #window}) is a piece of physical memory that starts at
 * {@link #base()} instead of 0 (a binary ABI request file holds only the memory its request points
 * into). Every accessor takes physical addresses; only {@link #segment()} is in offsets, offset =
 * address − {@code base()}. For memory made by {@link #of} and {@link #ofHeap} the base is 0.
 */
public final class PhysicalMemory {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment memory;
    private final long base;

    private PhysicalMemory(long base, MemorySegment memory) {
        this.memory = Objects.requireNonNull(memory, "memory");
        if (base < 0 || base + memory.byteSize() < base) {
            throw new IllegalArgumentException("window 0x" + Long.toHexString(base) + "+0x"
                    + Long.toHexString(memory.byteSize()) + " outside the physical address space");
        }
        this.base = base;
    }

    /** Wraps a segment whose offset 0 is physical address 0. */
    public static PhysicalMemory of(MemorySegment memory) {
        return new PhysicalMemory(0, memory);
    }

    /** Wraps a segment whose offset 0 is physical address {@code base}. */
    public static PhysicalMemory window(long base, MemorySegment memory) {
        return new PhysicalMemory(base, memory);
    }

    /** Fresh zeroed heap memory of {@code size} bytes, for tests. */
    public static PhysicalMemory ofHeap(long size) {
        return new PhysicalMemory(0, MemorySegment.ofArray(new long[Math.toIntExact((size + 7) / 8)]).asSlice(0, size));
    }

    /** Physical address of the first byte (0 unless this is a {@link #window}). */
    public long base() {
        return base;
    }

    /** Number of bytes; the memory covers {@code [base(), base() + size())}. */
    public long size() {
        return memory.byteSize();
    }

    /** The whole memory; offset = physical address − {@link #base()}. */
    public MemorySegment segment() {
        return memory;
    }

    /** Whether {@code [address, address + length)} lies inside this memory. */
    public boolean contains(long address, long length) {
        return address >= base && length >= 0 && address + length >= address
                && address + length <= base + memory.byteSize();
    }

    /** A view of {@code [address, address + length)}. */
    public MemorySegment slice(long address, long length) {
        check(address, length);
        return memory.asSlice(address - base, length);
    }

    public long readLong(long address) {
        check(address, 8);
        return memory.get(U64, address - base);
    }

    public void writeLong(long address, long value) {
        check(address, 8);
        memory.set(U64, address - base, value);
    }

    public int readInt(long address) {
        check(address, 4);
        return memory.get(U32, address - base);
    }

    public void writeInt(long address, int value) {
        check(address, 4);
        memory.set(U32, address - base, value);
    }

    /** Copies {@code source} to {@code address}. */
    public void write(long address, MemorySegment source) {
        check(address, source.byteSize());
        MemorySegment.copy(source, 0, memory, address - base, source.byteSize());
    }

    /** Copies {@code bytes} to {@code address}. */
    public void write(long address, byte[] bytes) {
        write(address, MemorySegment.ofArray(bytes));
    }

    /**
     * Copies {@code length} bytes from {@code from} to {@code to} inside this memory, as
     * {@code memmove} (overlap allowed).
     */
    public void copy(long from, long to, long length) {
        check(from, length);
        check(to, length);
        MemorySegment.copy(memory, from - base, memory, to - base, length);
    }

    /** Reads {@code length} bytes into a new array. */
    public byte[] read(long address, int length) {
        return slice(address, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Fills {@code [address, address + length)} with zeros. */
    public void zero(long address, long length) {
        slice(address, length).fill((byte) 0);
    }

    private void check(long address, long length) {
        if (!contains(address, length)) {
            throw new OutOfRangeException(address, length, base, memory.byteSize());
        }
    }

    /** An access outside physical memory. */
    public static final class OutOfRangeException extends RuntimeException {
        private final long address;
        private final long length;

        OutOfRangeException(long address, long length, long base, long size) {
            super(base == 0
                    ? String.format("physical access 0x%x+0x%x outside memory of 0x%x bytes", address, length, size)
                    : String.format("physical access 0x%x+0x%x outside memory 0x%x+0x%x", address, length, base, size));
            this.address = address;
            this.length = length;
        }

        public long address() {
            return address;
        }

        public long length() {
            return length;
        }
    }
}
