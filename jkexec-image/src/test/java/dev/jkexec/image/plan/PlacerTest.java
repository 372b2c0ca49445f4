package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

@Pure
class PlacerTest {
    static Placer ram(long... bounds) {
        List<long[]> r = new ArrayList<>();
        for (int i = 0; i < bounds.length; i += 2) {
            r.add(new long[] {bounds[i], bounds[i + 1]});
        }
        return new Placer(r);
    }

    @Test
    void topDownTakesTheHighestAlignedFit() {
        Placer p = ram(0, 0xA0000, 0x100000, 0x40000000);
        assertThat(p.topDown("kernel", 0x3f98000, 0x200000, 0x1000000, Long.MAX_VALUE)).isEqualTo(0x3C000000);
        assertThat(p.topDown("setup", 0x1100, 0x1000, 0x3000, Long.MAX_VALUE)).isEqualTo(0x3FFFE000);
        assertThat(p.topDown("initrd", 0x9dde7e, 0x1000, 0x1000000, Long.MAX_VALUE)).isEqualTo(0x3C000000 - 0x9de000);
    }

    @Test
    void respectsTheLimitAndMinimum() {
        Placer p = ram(0, 0xA0000, 0x100000, 0x40000000);
        assertThat(p.topDown("x", 0x1000, 0x1000, 0, 0x38000000)).isEqualTo(0x37FFF000);
        assertThat(p.topDown("low", 0x2000, 0x1000, 0x3000, 0x100000)).isEqualTo(0x9E000);
        assertThatThrownBy(() -> p.topDown("big", 0x20000000, 0x1000, 0x30000000, Long.MAX_VALUE))
                .isInstanceOf(PlacementException.class).hasMessageStartingWith("big: no room for 0x20000000 bytes");
    }

    @Test
    void findRandomDrawsEveryFittingAlignedSlotOfEveryFreeRangeAndNothingElse() {
        Placer p = ram(0x100000, 0x1000000, 0x2000000, 0x3000000);
        p.fixed("taken", 0x2400000, 0x200000);
        // 2 MiB slots for 1 MiB bytes, from 1 MiB: 0x200000..0xE00000 (7), 0x2000000, 0x2600000..0x2E00000 (5)
        java.util.Set<Long> seen = new java.util.TreeSet<>();
        java.util.random.RandomGenerator r = new java.util.SplittableRandom(11);
        for (int i = 0; i < 2000; i++) {
            long at = p.findRandom(0x100000, 0x200000, 0x100000, Long.MAX_VALUE, r);
            assertThat(at % 0x200000).isZero();
            seen.add(at);
        }
        assertThat(seen).containsExactly(0x200000L, 0x400000L, 0x600000L, 0x800000L, 0xA00000L, 0xC00000L, 0xE00000L,
                0x2000000L, 0x2200000L, 0x2600000L, 0x2800000L, 0x2A00000L, 0x2C00000L, 0x2E00000L);
        assertThat(p.findRandom(0x2000000, 0x200000, 0, Long.MAX_VALUE, r)).as("nothing fits").isEqualTo(-1);
        assertThat(p.findRandom(0x100000, 0x200000, 0x2E00001, 0x3000000, r)).as("bounds").isEqualTo(-1);
    }

    @Test
    void fixedChecksAllowedMemoryAndOverlap() {
        Placer p = ram(0, 0xA0000, 0x100000, 0x40000000);
        p.fixed("a", 0x1000000, 0x5000);
        assertThatThrownBy(() -> p.fixed("b", 0x1004000, 0x1000)).isInstanceOf(PlacementException.class).hasMessageContaining("overlaps a");
        assertThatThrownBy(() -> p.fixed("c", 0xA0000, 0x1000)).hasMessageContaining("not inside usable memory");
        assertThatThrownBy(() -> p.fixed("d", 0x3FFFF000, 0x2000)).hasMessageContaining("not inside usable memory");
        assertThatThrownBy(() -> p.fixed("e", 0x1000800, 0x1000)).hasMessageContaining("not page aligned");
    }

    @Property(tries = 300)
    void placementsNeverOverlapAndStayInside(@ForAll @Size(min = 1, max = 6) List<@IntRange(min = 1, max = 64) Integer> holes,
                                             @ForAll @Size(min = 1, max = 20) List<@IntRange(min = 1, max = 40) Integer> sizes,
                                             @ForAll @IntRange(min = 0, max = 4) int alignLog) {
        List<long[]> allowed = new ArrayList<>();
        long at = 0;
        for (int h : holes) {
            at += 0x10000;
            allowed.add(new long[] {at, at + h * 0x1000L});
            at += h * 0x1000L;
        }
        Placer p = new Placer(allowed);
        for (int s : sizes) {
            try {
                p.topDown("s", s * 0x1000L, 0x1000L << alignLog, 0, Long.MAX_VALUE);
            } catch (PlacementException expected) {
                // full: fine
            }
        }
        List<Placer.Placed> placed = p.placed();
        for (int i = 0; i < placed.size(); i++) {
            Placer.Placed x = placed.get(i);
            assertThat(x.start() % (0x1000L << alignLog)).isZero();
            assertThat(allowed).anyMatch(a -> x.start() >= a[0] && x.end() <= a[1]);
            if (i > 0) {
                assertThat(placed.get(i - 1).end()).isLessThanOrEqualTo(x.start());
            }
        }
    }
}
