package dev.jkexec.image.purgatory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.Arch;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.x86.SegmentDescriptor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The purgatory's bytes: what the code loads is checked by decoding its data block. */
@Pure
class PurgatoryTest {
    private static List<Long> quadwords(byte[] code) {
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        List<Long> q = new ArrayList<>();
        for (int i = 0; i + 8 <= code.length; i += 8) {
            q.add(b.getLong(i));
        }
        return q;
    }

    @Test
    void sixtyFourBitPurgatoryCarriesItsGdtAndParameters() {
        byte[] code = Purgatory.build(new PurgatoryParams(Arch.X86_64, 0x12000, 0x1000200, 0x10000, 0, 0x5000000, 0xA0000));
        assertThat(code.length).isLessThanOrEqualTo(4096);
        assertThat(code[0] & 0xFF).isEqualTo(0xFA); // cli
        assertThat(code[1] & 0xFF).isEqualTo(0xFC); // cld
        List<Long> q = quadwords(code);
        int gdt = q.indexOf(SegmentDescriptor.CODE64.encode()) - 2;
        assertThat(gdt).isGreaterThanOrEqualTo(0);
        assertThat(q.subList(gdt, gdt + 4)).containsExactly(0L, SegmentDescriptor.CODE32.encode(),
                SegmentDescriptor.CODE64.encode(), SegmentDescriptor.DATA.encode());
        assertThat(q).containsSubsequence(0x1000200L, 0x10000L, 0L, 0x5000000L, 0xA0000L);
        long gdtAddress = 0x12000 + 8L * gdt;
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        int gdtr = 8 * (gdt + 4);
        assertThat(b.getShort(gdtr)).isEqualTo((short) 31);
        assertThat(b.getLong(gdtr + 2)).isEqualTo(gdtAddress);
    }

    @Test
    void thirtyTwoBitPurgatoryUsesThirtyTwoBitCode() {
        byte[] code = Purgatory.build(PurgatoryParams.of(Arch.I386, 0x12000, 0x1000000, 0x10000));
        List<Long> q = quadwords(code);
        assertThat(q).contains(SegmentDescriptor.CODE32.encode(), SegmentDescriptor.DATA.encode());
        assertThat(q).doesNotContain(SegmentDescriptor.CODE64.encode());
        assertThat(q).containsSubsequence(0x1000000L, 0x10000L, 0L, 0L, 0L);
    }

    @Test
    void refusesWhatItCannotEnter() {
        assertThatThrownBy(() -> Purgatory.build(PurgatoryParams.of(Arch.X86_64, 0x12001, 0, 0)))
                .hasMessageContaining("not page aligned");
        assertThatThrownBy(() -> Purgatory.build(PurgatoryParams.of(Arch.I386, 0x12000, 0x1_0000_0000L, 0)))
                .hasMessageContaining("below 4 GiB");
        assertThatThrownBy(() -> Purgatory.build(new PurgatoryParams(Arch.X86_64, 0x12000, 0, 0, 0, 0, 7)))
                .hasMessageContaining("multiple of 8");
    }
}
