package dev.jkexec.platform;

import java.util.Objects;

/**
 * A typed guest-physical range {@code [start, start + size)}, one e820 entry.
 */
public record MemoryRange(long start, long size, E820Type type) {
    public MemoryRange {
        Objects.requireNonNull(type, "type");
        if (start < 0 || size < 0 || start + size < start) {
            throw new IllegalArgumentException("range out of bounds: start 0x" + Long.toHexString(start)
                    + " size 0x" + Long.toHexString(size));
        }
    }

    /** Exclusive end. */
    public long end() {
        return start + size;
    }

    public boolean contains(long address) {
        return address >= start && address < end();
    }

    public boolean contains(long from, long length) {
        return from >= start && from + length <= end() && from + length >= from;
    }

    public boolean overlaps(long from, long length) {
        return length > 0 && size > 0 && from < end() && from + length > start;
    }

    /** The same range with another type. */
    public MemoryRange withType(E820Type newType) {
        return new MemoryRange(start, size, newType);
    }

    /** Whether {@code other} overlaps this range. */
    public boolean overlaps(MemoryRange other) {
        return overlaps(other.start(), other.size());
    }

    @Override
    public String toString() {
        return String.format("%016x-%016x (%s)", start, end() - 1, type);
    }
}
