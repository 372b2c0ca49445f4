package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.platform.x86.Paging;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds room for segments in a set of allowed physical ranges, the way kexec-tools'
 * {@code locate_hole} does: free memory is the allowed ranges minus every segment placed so far;
 * a request takes the <em>highest</em> fitting address (top-down) or the <em>lowest</em> (bottom-up,
 * kexec-tools' {@code hole_end > 0}) that satisfies its alignment and its bounds {@code [min, limit)}.
 *
 * <p>Invariants: every placed range lies inside one allowed range, no two placed ranges overlap,
 * and every placed range is page aligned in start and size. The allowed ranges are given once
 * (RAM minus the legacy window for default images; the crash region for crash images).
 */
public final class Placer {
    public static final long PAGE = Paging.PAGE_SIZE;

    /** A placed range and what it holds. */
    public record Placed(String what, long start, long size) {
        public long end() {
            return start + size;
        }
    }

    private record Span(long start, long end) {
    }

    private final List<Span> allowed;
    private final List<Placed> placed = new ArrayList<>();

    /** @param allowed {@code [start, end)} pairs (any order; overlaps are merged) */
    public Placer(List<long[]> allowed) {
        List<Span> spans = new ArrayList<>();
        for (long[] a : allowed) {
            long start = alignUp(a[0], PAGE);
            long end = a[1] & -PAGE;
            if (end > start) {
                spans.add(new Span(start, end));
            }
        }
        // Not Comparator.comparingLong: its serializable lambda is spun at every JVM start (the AOT cache
        // keeps no serializable lambda), on the plan's path (docs/boot-profile.md, branch cliwindow).
        spans.sort((x, y) -> Long.compare(x.start(), y.start()));
        List<Span> merged = new ArrayList<>();
        for (Span s : spans) {
            if (!merged.isEmpty() && merged.getLast().end() >= s.start()) {
                Span last = merged.removeLast();
                merged.add(new Span(last.start(), Math.max(last.end(), s.end())));
            } else {
                merged.add(s);
            }
        }
        this.allowed = List.copyOf(merged);
    }

    /** What has been placed, in address order. */
    public List<Placed> placed() {
        return placed.stream().sorted((x, y) -> Long.compare(x.start(), y.start())).toList();
    }

    /**
     * Places {@code size} bytes (rounded up to pages) at the highest address {@code a} with
     * {@code a % align == 0}, {@code a >= min}, {@code a + size <= limit}, in free allowed memory.
     *
     * @throws PlacementException when nothing fits
     */
    public long topDown(String what, long size, long align, long min, long limit) {
        long found = findTopDown(size, align, min, limit);
        if (found < 0) {
            throw noRoom(what, size, align, min, limit);
        }
        placed.add(new Placed(what, found, pageAlign(size)));
        return found;
    }

    /** The error for a request that fits nowhere, naming the free ranges. */
    public PlacementException noRoom(String what, long size, long align, long min, long limit) {
        return new PlacementException(what, "no room for " + hex(pageAlign(size)) + " bytes aligned to " + hex(align)
                + " in [" + hex(min) + ", " + hex(limit) + "); free: " + describeFree());
    }

    /** Like {@link #topDown} but returns -1 instead of throwing and places nothing. */
    public long findTopDown(long size, long align, long min, long limit) {
        if (size <= 0 || align <= 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException("size " + size + " align " + align);
        }
        long need = pageAlign(size);
        long step = Math.max(align, PAGE);
        List<Span> free = free();
        for (int i = free.size() - 1; i >= 0; i--) {
            Span f = free.get(i);
            long lo = Math.max(f.start(), min);
            long hi = Math.min(f.end(), limit);
            if (hi - lo < need) {
                continue;
            }
            long candidate = (hi - need) & -step;
            if (candidate >= lo) {
                return candidate;
            }
        }
        return -1;
    }

    /**
     * A uniformly random address among every one where {@code size} bytes fit with the alignment
     * and bounds of {@link #findTopDown}, or -1; places nothing. As the kernel's decompressor picks
     * its KASLR slot ({@code arch/x86/boot/compressed/kaslr.c}): all fitting aligned slots of all
     * free ranges counted, one drawn.
     */
    public long findRandom(long size, long align, long min, long limit, java.util.random.RandomGenerator random) {
        if (size <= 0 || align <= 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException("size " + size + " align " + align);
        }
        long need = pageAlign(size);
        long step = Math.max(align, PAGE);
        List<Span> free = free();
        long[] first = new long[free.size()];
        long[] count = new long[free.size()];
        long total = 0;
        for (int i = 0; i < free.size(); i++) {
            Span f = free.get(i);
            long lo = Math.max(f.start(), min);
            long hi = Math.min(f.end(), limit);
            if (hi - lo < need || lo > Long.MAX_VALUE - step) {
                continue;
            }
            long a = alignUp(lo, step);
            long last = (hi - need) & -step;
            if (last >= a) {
                first[i] = a;
                count[i] = (last - a) / step + 1;
                total += count[i];
            }
        }
        if (total == 0) {
            return -1;
        }
        long pick = random.nextLong(total);
        for (int i = 0; i < free.size(); i++) {
            if (pick < count[i]) {
                return first[i] + pick * step;
            }
            pick -= count[i];
        }
        throw new AssertionError("slot " + pick + " of " + total);
    }

    /** Like {@link #topDown} but at the lowest fitting address. */
    public long bottomUp(String what, long size, long align, long min, long limit) {
        long found = findBottomUp(size, align, min, limit);
        if (found < 0) {
            throw noRoom(what, size, align, min, limit);
        }
        placed.add(new Placed(what, found, pageAlign(size)));
        return found;
    }

    /** The lowest address where {@link #bottomUp} would place, or -1; places nothing. */
    public long findBottomUp(long size, long align, long min, long limit) {
        if (size <= 0 || align <= 0 || Long.bitCount(align) != 1) {
            throw new IllegalArgumentException("size " + size + " align " + align);
        }
        long need = pageAlign(size);
        long step = Math.max(align, PAGE);
        for (Span f : free()) {
            long lo = Math.max(f.start(), min);
            long hi = Math.min(f.end(), limit);
            if (lo >= hi || lo > Long.MAX_VALUE - step) {
                continue;
            }
            long candidate = alignUp(lo, step);
            if (candidate <= hi - need && hi - need >= 0) {
                return candidate;
            }
        }
        return -1;
    }

    /**
     * Places {@code size} bytes (rounded up to pages) at exactly {@code start}.
     *
     * @throws PlacementException when the range is not page aligned, not inside allowed memory, or
     *                            overlaps something placed before
     */
    public void fixed(String what, long start, long size) {
        long need = pageAlign(size);
        if ((start & (PAGE - 1)) != 0) {
            throw new PlacementException(what, "fixed address " + hex(start) + " is not page aligned");
        }
        if (allowed.stream().noneMatch(s -> start >= s.start() && start + need <= s.end() && start + need > start)) {
            throw new PlacementException(what, "fixed range [" + hex(start) + ", " + hex(start + need)
                    + ") is not inside usable memory " + describe(allowed));
        }
        for (Placed p : placed) {
            if (start < p.end() && start + need > p.start()) {
                throw new PlacementException(what, "fixed range [" + hex(start) + ", " + hex(start + need)
                        + ") overlaps " + p.what() + " [" + hex(p.start()) + ", " + hex(p.end()) + ")");
            }
        }
        placed.add(new Placed(what, start, need));
    }

    private List<Span> free() {
        List<Placed> taken = placed();
        List<Span> out = new ArrayList<>();
        for (Span s : allowed) {
            long at = s.start();
            for (Placed p : taken) {
                if (p.end() <= at || p.start() >= s.end()) {
                    continue;
                }
                if (p.start() > at) {
                    out.add(new Span(at, p.start()));
                }
                at = Math.max(at, p.end());
            }
            if (at < s.end()) {
                out.add(new Span(at, s.end()));
            }
        }
        return out;
    }

    private String describeFree() {
        return describe(free());
    }

    private static String describe(List<Span> spans) {
        if (spans.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (Span s : spans) {
            b.append(b.isEmpty() ? "" : ", ").append('[').append(hex(s.start())).append(", ").append(hex(s.end())).append(')');
        }
        return b.toString();
    }

    public static long pageAlign(long size) {
        return alignUp(size, PAGE);
    }

    public static long alignUp(long value, long align) {
        return Math.addExact(value, align - 1) & -align;
    }
}
