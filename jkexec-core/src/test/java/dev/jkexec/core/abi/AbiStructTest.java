package dev.jkexec.core.abi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Layouts against the tables of spec §2: sizes, then bytes built by hand at the spec's offsets
 * decode to the expected fields, then encode → decode round trips for arbitrary values.
 */
@Pure
class AbiStructTest {
    /** A little-endian buffer of {@code size} bytes to put fields at spec offsets by hand. */
    static ByteBuffer le(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    }

    static MemorySegment seg(ByteBuffer b) {
        return MemorySegment.ofArray(b.array());
    }

    @Test
    void sizes_are_the_spec_sizes() {
        assertThat(List.of(XenKexecSegment.SIZE, XenKexecLoad.SIZE, XenKexecUnload.SIZE, XenKexecStatus.SIZE, XenKexecExec.SIZE,
                XenKexecRange.SIZE, XenKexecImage.SIZE, XenKexecLoadV1.SIZE)).containsExactly(32L, 24L, 1L, 1L, 4L, 24L, 152L, 160L);
        assertThat(List.of(XenKexecRange.COMPAT_SIZE, XenKexecImage.COMPAT_SIZE, XenKexecLoadV1.COMPAT_SIZE)).containsExactly(16L, 76L, 80L);
        assertThat(List.of(XenKexecRange.COMPAT_SIZE_FIELD, XenKexecRange.COMPAT_START, XenKexecImage.COMPAT_INDIRECTION_PAGE,
                XenKexecImage.COMPAT_START_ADDRESS, XenKexecLoadV1.COMPAT_IMAGE)).containsExactly(8L, 12L, 68L, 72L, 4L);
        for (KexecCommand c : KexecCommand.values()) {
            assertThat(c.argumentSize()).isPositive();
        }
        assertThat(new XenKexecLoad(0, 0, 0, 0, 0).toBytes()).hasSize(24);
        assertThat(XenKexecImage.of(0, 0).toBytes()).hasSize(152);
        assertThat(new XenKexecLoadV1(0, XenKexecImage.of(0, 0)).toBytes()).hasSize(160);
    }

    @Test
    void segment_fields_at_spec_offsets() {
        ByteBuffer b = le(32).putLong(0, 0x1111).putLong(8, 0x2222).putLong(16, 0x3000).putLong(24, 0x4000);
        assertThat(XenKexecSegment.read(seg(b))).isEqualTo(new XenKexecSegment(0x1111, 0x2222, 0x3000, 0x4000));
    }

    @Test
    void load_fields_at_spec_offsets_and_pad_ignored() {
        ByteBuffer b = le(24).put(0, (byte) 1).put(1, (byte) 0xEE).putShort(2, (short) 62).putInt(4, 15)
                .putLong(8, 0xABCD000L).putLong(16, 0x1000200L);
        assertThat(XenKexecLoad.read(seg(b))).isEqualTo(new XenKexecLoad(1, 62, 15, 0xABCD000L, 0x1000200L));
        ByteBuffer hostile = le(24).put(0, (byte) 0xFF).putShort(2, (short) 0xFFFF).putInt(4, -1);
        XenKexecLoad h = XenKexecLoad.read(seg(hostile));
        assertThat(h.type()).isEqualTo(255);
        assertThat(h.arch()).isEqualTo(0xFFFF);
        assertThat(h.nrSegments()).as("u32, not negative").isEqualTo(0xFFFF_FFFFL);
        assertThat(new XenKexecLoad(1, 62, 15, 0xABCD000L, 0x1000200L).toBytes()[1]).as("pad written as 0").isZero();
    }

    @Test
    void one_byte_and_exec_structs() {
        assertThat(XenKexecUnload.read(seg(le(1).put(0, (byte) 1)))).isEqualTo(new XenKexecUnload(1));
        assertThat(XenKexecStatus.read(seg(le(1).put(0, (byte) 0xFE)))).isEqualTo(new XenKexecStatus(254));
        assertThat(XenKexecExec.read(seg(le(4).putInt(0, -2)))).isEqualTo(new XenKexecExec(-2));
    }

    @Test
    void range_fields_at_spec_offsets() {
        ByteBuffer b = le(24).putInt(0, 2).putInt(4, 7).putLong(8, 0x400).putLong(16, 0x4010000L);
        assertThat(XenKexecRange.read(seg(b))).isEqualTo(new XenKexecRange(2, 7, 0x400, 0x4010000L));
    }

    @Test
    void v1_fields_at_spec_offsets() {
        ByteBuffer b = le(160).putInt(0, 1).putInt(4, 0x7777);
        for (int i = 0; i < 17; i++) {
            b.putLong(8 + 8 * i, 100 + i);
        }
        b.putLong(8 + 136, 0xC00000L).putLong(8 + 144, 0x1000000L);
        List<Long> pages = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            pages.add(100L + i);
        }
        XenKexecLoadV1 v1 = XenKexecLoadV1.read(seg(b));
        assertThat(v1).isEqualTo(new XenKexecLoadV1(1, new XenKexecImage(pages, 0xC00000L, 0x1000000L)));
    }

    @Provide
    Arbitrary<AbiStruct> structs() {
        Arbitrary<Long> u64 = Arbitraries.longs();
        Arbitrary<Integer> i32 = Arbitraries.integers();
        Arbitrary<Integer> u8 = Arbitraries.integers().between(0, 255);
        Arbitrary<XenKexecImage> image = Combinators.combine(u64.list().ofSize(17), u64, u64).as(XenKexecImage::new);
        return Arbitraries.oneOf(
                Combinators.combine(u64, u64, u64, u64).as(XenKexecSegment::new),
                Combinators.combine(u8, Arbitraries.integers().between(0, 0xFFFF), Arbitraries.longs().between(0, 0xFFFF_FFFFL), u64, u64)
                        .as(XenKexecLoad::new),
                u8.map(XenKexecUnload::new),
                u8.map(XenKexecStatus::new),
                i32.map(XenKexecExec::new),
                Combinators.combine(i32, i32, u64, u64).as(XenKexecRange::new),
                image,
                Combinators.combine(i32, image).as(XenKexecLoadV1::new));
    }

    @Property(tries = 400)
    void encode_then_decode_is_identity(@ForAll("structs") AbiStruct s) {
        byte[] bytes = s.toBytes();
        assertThat(bytes).hasSize((int) s.size());
        MemorySegment m = MemorySegment.ofArray(bytes);
        AbiStruct back = switch (s) {
            case XenKexecSegment x -> XenKexecSegment.read(m);
            case XenKexecLoad x -> XenKexecLoad.read(m);
            case XenKexecUnload x -> XenKexecUnload.read(m);
            case XenKexecStatus x -> XenKexecStatus.read(m);
            case XenKexecExec x -> XenKexecExec.read(m);
            case XenKexecRange x -> XenKexecRange.read(m);
            case XenKexecImage x -> XenKexecImage.read(m);
            case XenKexecLoadV1 x -> XenKexecLoadV1.read(m);
        };
        assertThat(back).isEqualTo(s);
        assertThat(back.toBytes()).isEqualTo(bytes);
    }
}
