package dev.jkexec.platform;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

@Pure
class MemoryMapTest {
    @Provide
    Arbitrary<MemoryRange> ranges() {
        return Combinators.combine(Arbitraries.longs().between(0, 200), Arbitraries.longs().between(0, 60),
                Arbitraries.of(E820Type.class)).as((s, n, t) -> new MemoryRange(s * 0x1000, n * 0x1000, t));
    }

    /** The type at {@code address} after applying {@code inserts} in order to an empty map, by brute force. */
    static E820Type expected(List<MemoryRange> inserts, long address) {
        E820Type t = null;
        for (MemoryRange r : inserts) {
            if (r.contains(address)) {
                t = r.type();
            }
        }
        return t;
    }

    @Property(tries = 300)
    void withKeepsRangesSortedDisjointAndCoverageExact(@ForAll @Size(max = 12) List<@net.jqwik.api.From("ranges") MemoryRange> inserts) {
        MemoryMap m = MemoryMap.of();
        List<MemoryRange> applied = new ArrayList<>();
        for (MemoryRange r : inserts) {
            m = m.with(r);
            applied.add(r);
        }
        List<MemoryRange> out = m.ranges();
        for (int i = 1; i < out.size(); i++) {
            assertThat(out.get(i).start()).isGreaterThanOrEqualTo(out.get(i - 1).end());
        }
        assertThat(out).allMatch(r -> r.size() > 0);
        for (long a = 0; a < 270 * 0x1000L; a += 0x1000) {
            MemoryRange found = m.find(a);
            assertThat(found == null ? null : found.type()).as("type at 0x%x", a).isEqualTo(expected(applied, a));
        }
        MemoryMap c = m.coalesced();
        for (long a = 0; a < 270 * 0x1000L; a += 0x1000) {
            MemoryRange x = m.find(a);
            MemoryRange y = c.find(a);
            assertThat(y == null ? null : y.type()).isEqualTo(x == null ? null : x.type());
        }
        for (int i = 1; i < c.ranges().size(); i++) {
            MemoryRange p = c.ranges().get(i - 1);
            MemoryRange q = c.ranges().get(i);
            assertThat(p.end() == q.start() && p.type() == q.type()).isFalse();
        }
    }

    @Test
    void coversAndTotals() {
        MemoryMap m = MemoryMap.of(new MemoryRange(0, 0xA0000, E820Type.RAM), new MemoryRange(0x100000, 0x100000, E820Type.RAM),
                new MemoryRange(0x200000, 0x100000, E820Type.RAM));
        assertThat(m.covers(0x100000, 0x200000, E820Type.RAM)).isTrue();
        assertThat(m.covers(0x9F000, 0x2000, E820Type.RAM)).isFalse();
        assertThat(m.total(E820Type.RAM)).isEqualTo(0xA0000 + 0x200000);
        assertThat(m.ram()).hasSize(3);
        assertThat(m.coalesced().ranges()).hasSize(2);
    }

    /** The written-out equals and hashCode: equal exactly when every range's start, size and type are. */
    @Property(tries = 300)
    void equalMapsAreThoseOfEqualRanges(@ForAll("ranges") MemoryRange a, @ForAll("ranges") MemoryRange b) {
        MemoryRange copy = new MemoryRange(a.start(), a.size(), a.type());
        assertThat(copy).isEqualTo(a).hasSameHashCodeAs(a);
        boolean same = a.start() == b.start() && a.size() == b.size() && a.type() == b.type();
        assertThat(a.equals(b)).isEqualTo(same);
        assertThat(MemoryMap.of(a).equals(MemoryMap.of(b))).isEqualTo(same);
        assertThat(MemoryMap.of(copy)).isEqualTo(MemoryMap.of(a)).hasSameHashCodeAs(MemoryMap.of(a));
        assertThat(a.equals(null)).isFalse();
        assertThat(MemoryMap.of(a).equals(a)).isFalse();
        assertThat(MemoryMap.of(a)).isNotEqualTo(MemoryMap.of());
    }
}
