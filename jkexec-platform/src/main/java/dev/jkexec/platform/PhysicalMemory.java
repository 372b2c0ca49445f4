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
 *
 * <p>A <em>split</em> memory ({@link #split}) is the PC's RAM above 4 GiB: the segment's first
 * {@code lowTop} bytes are physical {@code [0, lowTop)}, the rest is physical
 * {@code [highBase, highBase + size − lowTop)}, as QEMU maps one RAM block around the PCI hole.
 * An access must lie wholly in one of the two ranges; one that touches the hole is out of range,
 * never wrapped onto the other side.
 *
 * <p><em>Data runs</em> ({@link #nextData}, {@link #dataEnd}): memory backed by a sparse file can say
 * which parts were never written, so that scans and dumps read only pages that hold something
 * (reading a tmpfs hole through a shared mapping would allocate it). Other memory reports every
 * byte as possibly data.
 *
 * <p><em>File writes</em> ({@link #writeFresh}): memory backed by a file can take
 * a large copy into pages nobody touched yet as positional writes to that file. A tmpfs then
 * allocates each page without a fault trap and without clearing it first, 2–3× faster than a first
 * touch through the mapping; the result is the same bytes, seen at once through every mapping.
 */
public final class PhysicalMemory {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment memory;
    private final long base;
    /** First physical address of the hole (Long.MAX_VALUE: none); physical = offset + base below it. */
    private final long holeStart;
    /** First physical address above the hole; physical = offset + base + (holeEnd − holeStart) above it. */
    private final long holeEnd;
    private final DataRuns runs;
    /** Positional writes to the backing file, or {@code null}: every write goes through the mapping. */
    private final FileWrites fileWrites;

    private PhysicalMemory(long base, MemorySegment memory) {
        this(base, memory, Long.MAX_VALUE, Long.MAX_VALUE, DataRuns.ALL, null);
    }

    private PhysicalMemory(long base, MemorySegment memory, long holeStart, long holeEnd, DataRuns runs, FileWrites fileWrites) {
        this.memory = Objects.requireNonNull(memory, "memory");
        if (base < 0 || base + memory.byteSize() < base) {
            throw new IllegalArgumentException("window 0x" + Long.toHexString(base) + "+0x"
                    + Long.toHexString(memory.byteSize()) + " outside the physical address space");
        }
        this.base = base;
        this.holeStart = holeStart;
        this.holeEnd = holeEnd;
        this.runs = Objects.requireNonNull(runs, "runs");
        this.fileWrites = fileWrites;
    }

    /** Writes into the file a memory is mapped from (offset = segment offset), bypassing the mapping. */
    @FunctionalInterface
    public interface FileWrites {
        /** Writes all of {@code source} at segment offset {@code offset}. */
        void write(long offset, MemorySegment source) throws java.io.IOException;
    }

    /**
     * Which file offsets of a sparse backing may hold data. Both methods take and return segment
     * offsets, {@code offset < end}; an answer is never beyond {@code end}.
     */
    public interface DataRuns {
        /** Everything may be data. */
        DataRuns ALL = new DataRuns() {
            @Override
            public long nextData(long offset, long end) {
                return offset;
            }

            @Override
            public long dataEnd(long offset, long end) {
                return end;
            }
        };

        /** The first offset in {@code [offset, end)} that may hold data, or {@code end}. */
        long nextData(long offset, long end);

        /** The end of the data run at {@code offset} (the next hole), at most {@code end}. */
        long dataEnd(long offset, long end);
    }

    /**
     * RAM split around a hole: segment offsets {@code [0, lowTop)} are physical {@code [0, lowTop)},
     * offsets from {@code lowTop} are physical addresses from {@code highBase}.
     */
    public static PhysicalMemory split(MemorySegment memory, long lowTop, long highBase) {
        if (lowTop < 0 || lowTop > memory.byteSize() || highBase < lowTop) {
            throw new IllegalArgumentException(String.format("split at 0x%x, high part at 0x%x, of 0x%x bytes",
                    lowTop, highBase, memory.byteSize()));
        }
        return lowTop == memory.byteSize() || highBase == lowTop
                ? new PhysicalMemory(0, memory)
                : new PhysicalMemory(0, memory, lowTop, highBase, DataRuns.ALL, null);
    }

    /** The same memory, with {@code runs} telling which of its offsets may hold data. */
    public PhysicalMemory withDataRuns(DataRuns runs) {
        return new PhysicalMemory(base, memory, holeStart, holeEnd, runs, fileWrites);
    }

    /** The same memory, with large {@link #writeFresh} copies going through {@code writes} to its file. */
    public PhysicalMemory withFileWrites(FileWrites writes) {
        return new PhysicalMemory(base, memory, holeStart, holeEnd, runs, Objects.requireNonNull(writes, "writes"));
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

    /**
     * Number of bytes; the memory covers {@code [base(), base() + size())}, or for a split memory
     * {@code [base(), end())} less the hole.
     */
    public long size() {
        return memory.byteSize();
    }

    /** One past the highest physical address. */
    public long end() {
        return base + memory.byteSize() + (isSplit() ? holeEnd - holeStart : 0);
    }

    /**
     * The end of the contiguous piece of memory {@code address} lies in: {@link #end()}, or the
     * hole's start for an address below the hole of a split memory.
     */
    public long pieceEnd(long address) {
        return address < holeStart ? Math.min(holeStart, base + memory.byteSize()) : end();
    }

    /** Whether this memory has a hole ({@link #split}). */
    public boolean isSplit() {
        return holeStart != Long.MAX_VALUE;
    }

    /**
     * The whole memory; offset = physical address − {@link #base()} (below the hole of a split
     * memory; above it use {@link #slice}).
     */
    public MemorySegment segment() {
        return memory;
    }

    /** Whether {@code [address, address + length)} lies inside this memory (wholly on one side of a hole). */
    public boolean contains(long address, long length) {
        if (address < base || length < 0 || address + length < address) {
            return false;
        }
        long end = address + length;
        if (!isSplit()) {
            return end <= base + memory.byteSize();
        }
        return end <= holeStart || address >= holeEnd && end <= end();
    }

    /** A view of {@code [address, address + length)}. */
    public MemorySegment slice(long address, long length) {
        check(address, length);
        return memory.asSlice(offset(address), length);
    }

    /**
     * The first address in {@code [address, address + length)} that may hold data, or
     * {@code address + length}: what a scan or a dump of that range needs to read next.
     */
    public long nextData(long address, long length) {
        check(address, length);
        long o = offset(address);
        return address + (runs.nextData(o, o + length) - o);
    }

    /** The end of the data run at {@code address} inside {@code [address, address + length)}. */
    public long dataEnd(long address, long length) {
        check(address, length);
        long o = offset(address);
        return address + (runs.dataEnd(o, o + length) - o);
    }

    public long readLong(long address) {
        check(address, 8);
        return memory.get(U64, offset(address));
    }

    public void writeLong(long address, long value) {
        check(address, 8);
        memory.set(U64, offset(address), value);
    }

    public int readInt(long address) {
        check(address, 4);
        return memory.get(U32, offset(address));
    }

    public void writeInt(long address, int value) {
        check(address, 4);
        memory.set(U32, offset(address), value);
    }

    /** Copies {@code source} to {@code address}. */
    public void write(long address, MemorySegment source) {
        check(address, source.byteSize());
        MemorySegment.copy(source, 0, memory, offset(address), source.byteSize());
    }

    /** Below this a {@link #writeFresh} goes through the mapping: a system call would cost more than it saves. */
    private static final long FILE_WRITE_MIN = 1 << 20;

    /**
     * {@link #write}, for a large copy into pages that were likely never touched (a machine's
     * first image): through the backing file when there is one ({@link #withFileWrites}).
     *
     * @throws JkexecException when the file refuses the write (its file system is full, say)
     */
    public void writeFresh(long address, MemorySegment source) {
        check(address, source.byteSize());
        if (fileWrites == null || source.byteSize() < FILE_WRITE_MIN) {
            write(address, source);
            return;
        }
        try {
            fileWrites.write(offset(address), source);
        } catch (java.io.IOException e) {
            throw new JkexecException(String.format("cannot write 0x%x bytes of guest RAM at 0x%x: %s", source.byteSize(), address,
                    e.getMessage()), e);
        }
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
        MemorySegment.copy(memory, offset(from), memory, offset(to), length);
    }

    /** Reads {@code length} bytes into a new array. */
    public byte[] read(long address, int length) {
        return slice(address, length).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Fills {@code [address, address + length)} with zeros. */
    public void zero(long address, long length) {
        slice(address, length).fill((byte) 0);
    }

    /** Segment offset of a checked physical address. */
    private long offset(long address) {
        return address < holeStart ? address - base : address - base - (holeEnd - holeStart);
    }

    private void check(long address, long length) {
        if (!contains(address, length)) {
            throw isSplit()
                    ? new OutOfRangeException(address, length, String.format(
                            "physical access 0x%x+0x%x outside RAM 0x0-0x%x and 0x%x-0x%x (the hole between is not RAM)",
                            address, length, holeStart, holeEnd, end()))
                    : new OutOfRangeException(address, length, base, memory.byteSize());
        }
    }

    /** An access outside physical memory. */
    public static final class OutOfRangeException extends RuntimeException {
        private final long address;
        private final long length;

        OutOfRangeException(long address, long length, long base, long size) {
            this(address, length, base == 0
                    ? String.format("physical access 0x%x+0x%x outside memory of 0x%x bytes", address, length, size)
                    : String.format("physical access 0x%x+0x%x outside memory 0x%x+0x%x", address, length, base, size));
        }

        OutOfRangeException(long address, long length, String message) {
            super(message);
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
