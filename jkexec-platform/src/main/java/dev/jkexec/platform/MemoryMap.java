package dev.jkexec.platform;

import java.util.ArrayList;
import java.util.List;

/**
 * A machine's memory map as the e820 table describes it: non-overlapping typed ranges, sorted by
 * start. Immutable; {@link #with} returns a new map where the given range overwrites whatever it
 * covers (splitting entries as needed), the way u-root's {@code MemoryMap.Insert} works.
 */
public record MemoryMap(List<MemoryRange> ranges) {
    public MemoryMap {
        List<MemoryRange> sorted = new ArrayList<>(ranges);
        // Not Comparator.comparingLong: its serializable lambda is spun at every JVM start (the AOT cache
        // keeps no serializable lambda), on the plan's path (docs/boot-profile.md, branch cliwindow).
        sorted.sort((a, b) -> Long.compare(a.start(), b.start()));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).start() < sorted.get(i - 1).end()) {
                throw new IllegalArgumentException("overlapping ranges: " + sorted.get(i - 1) + " and " + sorted.get(i));
            }
        }
        ranges = List.copyOf(sorted);
    }

    public static MemoryMap of(MemoryRange... ranges) {
        return new MemoryMap(List.of(ranges));
    }

    /** A new map in which {@code range} replaces every part of existing ranges it covers. */
    public MemoryMap with(MemoryRange range) {
        List<MemoryRange> out = new ArrayList<>();
        for (MemoryRange r : ranges) {
            if (!r.overlaps(range.start(), range.size())) {
                out.add(r);
                continue;
            }
            if (r.start() < range.start()) {
                out.add(new MemoryRange(r.start(), range.start() - r.start(), r.type()));
            }
            if (r.end() > range.end()) {
                out.add(new MemoryRange(range.end(), r.end() - range.end(), r.type()));
            }
        }
        if (range.size() > 0) {
            out.add(range);
        }
        return new MemoryMap(out);
    }

    /** The same map with adjacent ranges of the same type merged into one. */
    public MemoryMap coalesced() {
        List<MemoryRange> out = new ArrayList<>();
        for (MemoryRange r : ranges) {
            if (r.size() == 0) {
                continue;
            }
            if (!out.isEmpty() && out.getLast().end() == r.start() && out.getLast().type() == r.type()) {
                MemoryRange last = out.removeLast();
                out.add(new MemoryRange(last.start(), last.size() + r.size(), r.type()));
            } else {
                out.add(r);
            }
        }
        return new MemoryMap(out);
    }

    /** The ranges of one type, in address order. */
    public List<MemoryRange> ofType(E820Type type) {
        return ranges.stream().filter(r -> r.type() == type).toList();
    }

    /** The RAM ranges, in address order. */
    public List<MemoryRange> ram() {
        return ofType(E820Type.RAM);
    }

    /** Total bytes of the ranges of {@code type}. */
    public long total(E820Type type) {
        return ranges.stream().filter(r -> r.type() == type).mapToLong(MemoryRange::size).sum();
    }

    /** The range containing {@code address}, or {@code null}. */
    public MemoryRange find(long address) {
        for (MemoryRange r : ranges) {
            if (r.contains(address)) {
                return r;
            }
        }
        return null;
    }

    /** Whether {@code [start, start+length)} lies entirely inside ranges of {@code type}. */
    public boolean covers(long start, long length, E820Type type) {
        long at = start;
        long end = start + length;
        while (at < end) {
            MemoryRange r = find(at);
            if (r == null || r.type() != type) {
                return false;
            }
            at = r.end();
        }
        return true;
    }

    // Written out for the reason MemoryRange's are: a record's own equals is bootstrapped at its first call.
    @Override
    public boolean equals(Object o) {
        return o instanceof MemoryMap m && m.ranges.equals(ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    /** Exclusive end of the highest range (0 for an empty map). */
    public long end() {
        return ranges.isEmpty() ? 0 : ranges.getLast().end();
    }
}
