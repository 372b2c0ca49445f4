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
        assertThat(q.subList(gdt, gdt + 5)).containsExactly(0L, SegmentDescriptor.CODE32.encode(),
                SegmentDescriptor.CODE64.encode(), SegmentDescriptor.DATA.encode(), DATA16.encode());
        assertThat(q).containsSubsequence(0x1000200L, 0x10000L, 0L, 0x5000000L, 0xA0000L);
        long gdtAddress = 0x12000 + 8L * gdt;
        ByteBuffer b = ByteBuffer.wrap(code).order(ByteOrder.LITTLE_ENDIAN);
        int gdtr = 8 * (gdt + 5);
        assertThat(b.getShort(gdtr)).isEqualTo((short) 39);
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

    static final SegmentDescriptor DATA16 = new SegmentDescriptor(0, 0xFFFF, 0x93, 0);

    static int indexOf(byte[] code, int... bytes) {
        outer:
        for (int i = 0; i + bytes.length <= code.length; i++) {
            for (int j = 0; j < bytes.length; j++) {
                if ((code[i + j] & 0xFF) != bytes[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void multibootHandoffSetsTheMagicAndTheInformationStructure() {
        byte[] code = Purgatory.build(PurgatoryParams.of(Arch.I386, 0x12000, 0x200000, 0x5f7000)
                .withHandoff(PurgatoryParams.Handoff.MULTIBOOT, 0));
        assertThat(indexOf(code, 0xB8, 0x02, 0xB0, 0xAD, 0x2B)).as("mov eax, 0x2badb002").isPositive();
        assertThat(indexOf(code, 0x8B, 0x1D)).as("mov ebx, [info]").isPositive();
        assertThat(quadwords(code)).containsSubsequence(0x200000L, 0x5f7000L);
    }

    @Test
    void realModeHandoffDropsToTheSetupCodeAt9020() {
        byte[] code = Purgatory.build(PurgatoryParams.of(Arch.I386, 0x8E000, 0x90200, 0x90000)
                .withHandoff(PurgatoryParams.Handoff.LINUX_REAL_MODE, 0x9800));
        List<Long> q = quadwords(code);
        // 0x08: 16-bit code based at the purgatory, 64 KiB; 0x20: 16-bit data at 0, 64 KiB
        assertThat(q).contains(new SegmentDescriptor(0x8E000, 0xFFFF, 0x9B, 0).encode(), DATA16.encode());
        assertThat(indexOf(code, 0x0F, 0x01, 0x1D)).as("lidt [ivt]").isPositive();
        assertThat(indexOf(code, 0x66, 0x81, 0xE0, 0xFE, 0xFF, 0xFF, 0xFF)).as("and eax, ~PE (16-bit code)").isPositive();
        assertThat(indexOf(code, 0xEA)).as("far jumps").isPositive();
        assertThat(indexOf(code, 0xB8, 0x00, 0x90, 0x8E, 0xD8)).as("mov ax, 0x9000; mov ds, ax").isPositive();
        assertThat(indexOf(code, 0x66, 0xBC, 0x00, 0x98, 0x00, 0x00)).as("mov esp, 0x9800").isPositive();
        assertThat(indexOf(code, 0xEA, 0x00, 0x00, 0x20, 0x90)).as("jmp 0x9020:0000").isPositive();
        assertThatThrownBy(() -> Purgatory.build(PurgatoryParams.of(Arch.I386, 0x100000, 0x90200, 0x90000)
                .withHandoff(PurgatoryParams.Handoff.LINUX_REAL_MODE, 0x9800))).hasMessageContaining("below 640 KiB");
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
