package dev.jkexec.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

@Pure
class PhysicalMemoryTest {
    @Test
    void window_translates_addresses_and_bounds() {
        byte[] backing = new byte[0x2000];
        PhysicalMemory w = PhysicalMemory.window(0x10000, MemorySegment.ofArray(backing));
        assertThat(w.base()).isEqualTo(0x10000);
        assertThat(w.contains(0x10000, 0x2000)).isTrue();
        assertThat(w.contains(0xFFFF, 1)).isFalse();
        assertThat(w.contains(0x11FFF, 2)).isFalse();
        w.writeLong(0x10008, 0x1122334455667788L);
        assertThat(backing[8]).isEqualTo((byte) 0x88);
        assertThat(w.readLong(0x10008)).isEqualTo(0x1122334455667788L);
        assertThat(w.slice(0x10008, 1).get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 0x88);
        assertThatThrownBy(() -> w.readLong(0x8)).isInstanceOf(PhysicalMemory.OutOfRangeException.class)
                .hasMessageContaining("outside memory 0x10000+0x2000");
        assertThatThrownBy(() -> w.readInt(Long.MAX_VALUE - 1)).isInstanceOf(PhysicalMemory.OutOfRangeException.class);
    }

    @Test
    void copy_is_memmove_and_bounds_checked() {
        PhysicalMemory m = PhysicalMemory.ofHeap(64);
        for (int i = 0; i < 16; i++) {
            m.write(i, new byte[] {(byte) i});
        }
        m.copy(0, 4, 16);
        assertThat(m.read(4, 16)).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        assertThatThrownBy(() -> m.copy(60, 0, 8)).isInstanceOf(PhysicalMemory.OutOfRangeException.class);
        assertThatThrownBy(() -> m.copy(0, 60, 8)).isInstanceOf(PhysicalMemory.OutOfRangeException.class);
    }
}
