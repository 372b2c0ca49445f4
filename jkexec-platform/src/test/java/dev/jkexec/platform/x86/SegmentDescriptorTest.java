package dev.jkexec.platform.x86;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

@Pure
class SegmentDescriptorTest {
    @Test
    void encodesTheBootProtocolDescriptors() {
        // Values from the boot protocol (x86-boot-and-kexec.md §9) with the accessed bit set.
        assertThat(SegmentDescriptor.CODE64.encode()).isEqualTo(0x00AF9B000000FFFFL);
        assertThat(SegmentDescriptor.CODE32.encode()).isEqualTo(0x00CF9B000000FFFFL);
        assertThat(SegmentDescriptor.DATA.encode()).isEqualTo(0x00CF93000000FFFFL);
    }

    @Test
    void decodesWhatTheSpecWrites() {
        SegmentDescriptor code64 = SegmentDescriptor.decode(0x00AF9A000000FFFFL);
        assertThat(code64.code()).isTrue();
        assertThat(code64.longMode()).isTrue();
        assertThat(code64.defaultBig()).isFalse();
        assertThat(code64.flat()).isTrue();
        SegmentDescriptor data = SegmentDescriptor.decode(0x00CF92000000FFFFL);
        assertThat(data.writableData()).isTrue();
        assertThat(data.present()).isTrue();
        assertThat(data.dpl()).isZero();
        assertThat(data.flat()).isTrue();
        SegmentDescriptor code32 = SegmentDescriptor.decode(0x00CF9A000000FFFFL);
        assertThat(code32.defaultBig()).isTrue();
        assertThat(code32.longMode()).isFalse();
    }

    @Property
    void decodeInvertsEncode(@ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long base,
                             @ForAll @IntRange(min = 0, max = 0xFFFFF) int limit,
                             @ForAll @IntRange(min = 0, max = 0xFF) int access,
                             @ForAll @IntRange(min = 0, max = 0xF) int flags) {
        SegmentDescriptor d = new SegmentDescriptor(base, limit, access, flags);
        assertThat(SegmentDescriptor.decode(d.encode())).isEqualTo(d);
    }
}
