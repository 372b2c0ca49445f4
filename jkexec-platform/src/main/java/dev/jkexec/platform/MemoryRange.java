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

    // equals and hashCode are written out: a record's own are bootstrapped through
    // java.lang.runtime.ObjectMethods at their first call (method handles, not in the AOT cache), and
    // the first call is Machine.boot's check of the image's memory map, between the plan and the
    // first boot (7–54 ms measured there, ~1 ms written out; docs/boot-profile.md, "The API after the banner").
    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryRange r && r.start == start && r.size == size && r.type == type;
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(start) * 31 + Long.hashCode(size)) * 31 + type.hashCode();
    }

    @Override
    public String toString() {
        return String.format("%016x-%016x (%s)", start, end() - 1, type);
    }
}
