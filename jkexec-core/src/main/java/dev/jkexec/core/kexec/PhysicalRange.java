package dev.jkexec.core.kexec;

/**
 * A guest-physical range {@code [start, start + size)}. Used for the answers of {@code get_range},
 * the configuration (crash region, staging) and the handover plan. Never wraps past 2^63.
 */
public record PhysicalRange(long start, long size) {
    /** The empty range {@code start = size = 0}: what {@code get_range CRASH} reports without a crash region. */
    public static final PhysicalRange NONE = new PhysicalRange(0, 0);

    public PhysicalRange {
        if (start < 0 || size < 0 || start + size < start) {
            throw new IllegalArgumentException("range out of bounds: start 0x" + Long.toHexString(start)
                    + " size 0x" + Long.toHexString(size));
        }
    }

    /** Exclusive end. */
    public long end() {
        return start + size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Whether {@code address} lies inside. */
    public boolean contains(long address) {
        return address >= start && address < end();
    }

    /** Whether {@code other} lies entirely inside. */
    public boolean contains(PhysicalRange other) {
        return other.start >= start && other.end() <= end();
    }

    /** Xen's half-open overlap test: zero-length ranges never overlap. */
    public boolean overlaps(PhysicalRange other) {
        return end() > other.start && start < other.end();
    }

    @Override
    public String toString() {
        return String.format("0x%x-0x%x", start, end());
    }
}
