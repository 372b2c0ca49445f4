package dev.jkexec.image.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.testing.Pure;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

@Pure
class E820TableTest {
    static MemoryMap manyRanges(int n) {
        List<MemoryRange> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.add(new MemoryRange(i * 0x200000L, 0x100000, i % 3 == 0 ? E820Type.RAM : i % 3 == 1 ? E820Type.ACPI : E820Type.NVS));
        }
        return new MemoryMap(r);
    }

    @Test
    void splitsAt128() {
        E820Table t = E820Table.of(manyRanges(130));
        assertThat(t.inZeroPage()).hasSize(128);
        assertThat(t.overflow()).hasSize(2);
        assertThat(t.overflow().getFirst().start()).isEqualTo(128 * 0x200000L);
        assertThat(E820Table.of(manyRanges(128)).overflow()).isEmpty();
    }

    @Test
    void entryLayout() {
        byte[] b = E820Table.encode(List.of(new MemoryRange(0x1000, 0x9F000, E820Type.RAM)));
        assertThat(b).hasSize(20);
        assertThat(b).isEqualTo(new byte[] {0, 0x10, 0, 0, 0, 0, 0, 0, 0, (byte) 0xF0, 0x09, 0, 0, 0, 0, 0, 1, 0, 0, 0});
    }

    @Property(tries = 100)
    void encodeDecodeRoundTrip(@ForAll @IntRange(min = 0, max = 300) int n) {
        List<MemoryRange> ranges = manyRanges(n).ranges();
        assertThat(E820Table.decode(E820Table.encode(ranges))).isEqualTo(ranges);
    }
}
