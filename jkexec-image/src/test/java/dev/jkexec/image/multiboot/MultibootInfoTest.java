package dev.jkexec.image.multiboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.testing.Le;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The information structure: what {@link MultibootInfo#encode} writes, {@link MultibootInfo#decode} reads back. */
@Pure
class MultibootInfoTest {
    static final List<MemoryRange> MAP = List.of(new MemoryRange(0, 0x9F000, E820Type.RAM),
            new MemoryRange(0x9F000, 0x1000, E820Type.RESERVED), new MemoryRange(0x100000, 0x3FF00000, E820Type.RAM));

    static MultibootInfo info() {
        return new MultibootInfo("xen-4.17-amd64.gz console=com1", "jkexec", 636, 0xFFC00, MAP, List.of(
                new MultibootInfo.Module(0x600000, 0xDDD000, "vmlinuz console=hvc0"),
                new MultibootInfo.Module(0xDDE000, 0xE00123, "initrd.img")));
    }

    @Test
    void encodeThenDecodeGivesTheSameStructure() {
        MultibootInfo i = info();
        long base = 0x7000;
        byte[] memory = new byte[0x10000];
        byte[] mbi = i.encode(base);
        assertThat(mbi).hasSize(i.size());
        System.arraycopy(mbi, 0, memory, (int) base, mbi.length);
        assertThat(MultibootInfo.decode(MemorySegment.ofArray(memory), base)).isEqualTo(i);
        assertThat(MultibootInfo.flags(MemorySegment.ofArray(memory), base)).isEqualTo(0x24D);
    }

    @Test
    void fieldsSitWhereTheSpecSays() {
        byte[] mbi = info().encode(0x7000);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(mbi).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getInt(4)).isEqualTo(636);               // mem_lower
        assertThat(b.getInt(20)).isEqualTo(2);                // mods_count
        assertThat(b.getInt(16)).isEqualTo(0x7000 + 116);     // cmdline right after the structure
        int mmap = b.getInt(48) - 0x7000;
        assertThat(b.getInt(44)).isEqualTo(3 * 24);           // mmap_length
        assertThat(b.getInt(mmap)).isEqualTo(20);             // size field: the entry without itself
        assertThat(b.getLong(mmap + 24 + 4)).isEqualTo(0x9F000);
        assertThat(b.getInt(mmap + 24 + 20)).isEqualTo(2);    // reserved
        int mods = b.getInt(24) - 0x7000;
        assertThat(b.getInt(mods + 16)).isEqualTo(0xDDE000);  // second module's start
        assertThat(b.getInt(mods + 16 + 4)).isEqualTo(0xE00123);
    }

    @Test
    void decodeNamesTheFieldThatPointsOutside() {
        byte[] memory = new byte[0x10000];
        byte[] mbi = info().encode(0x7000);
        System.arraycopy(mbi, 0, memory, 0x7000, mbi.length);
        Le.u32(memory, 0x7000 + 24, 0xFFFF0000L);
        assertThatThrownBy(() -> MultibootInfo.decode(MemorySegment.ofArray(memory), 0x7000))
                .isInstanceOf(ImageFormatException.class).hasMessageStartingWith("mbi.mods_addr");
        Le.u32(memory, 0x7000 + 20, 100000);
        assertThatThrownBy(() -> MultibootInfo.decode(MemorySegment.ofArray(memory), 0x7000)).hasMessageStartingWith("mbi.mods_count");
    }
}
