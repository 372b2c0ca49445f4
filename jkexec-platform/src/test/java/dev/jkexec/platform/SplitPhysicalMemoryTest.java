package dev.jkexec.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** RAM split around a hole: the low piece at its own addresses, the high piece after the hole. */
@Pure
class SplitPhysicalMemoryTest {
    // A small model of the PC: 64 KiB below the "hole", 32 KiB above it at 1 MiB.
    static final long LOW = 64 << 10;
    static final long HIGH_BASE = 1 << 20;
    static final long HIGH = 32 << 10;

    private final MemorySegment file = MemorySegment.ofArray(new byte[(int) (LOW + HIGH)]);
    private final PhysicalMemory m = PhysicalMemory.split(file, LOW, HIGH_BASE);

    @Test
    void addressesAboveTheHoleAreFileOffsetsAfterTheLowPiece() {
        m.writeLong(HIGH_BASE + 8, 0x1122334455667788L);
        m.writeInt(LOW - 4, 0xCAFEBABE);
        assertThat(file.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), LOW + 8))
                .isEqualTo(0x1122334455667788L);
        assertThat(m.readLong(HIGH_BASE + 8)).isEqualTo(0x1122334455667788L);
        assertThat(m.readInt(LOW - 4)).isEqualTo(0xCAFEBABE);
        assertThat(m.slice(HIGH_BASE, 16).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)[8]).isEqualTo((byte) 0x88);
        assertThat(m.end()).isEqualTo(HIGH_BASE + HIGH);
        assertThat(m.size()).isEqualTo(LOW + HIGH);
        assertThat(m.isSplit()).isTrue();
        assertThat(m.pieceEnd(0)).isEqualTo(LOW);
        assertThat(m.pieceEnd(HIGH_BASE + 5)).isEqualTo(HIGH_BASE + HIGH);
    }

    @Test
    void copiesCrossFromOnePieceToTheOther() {
        m.write(16, new byte[] {1, 2, 3, 4});
        m.copy(16, HIGH_BASE + HIGH - 4, 4);
        assertThat(m.read(HIGH_BASE + HIGH - 4, 4)).containsExactly(1, 2, 3, 4);
        assertThat(file.asSlice(LOW + HIGH - 4, 4).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsExactly(1, 2, 3, 4);
    }

    @Test
    void theHoleIsAnErrorNeverAWrap() {
        assertThat(m.contains(LOW, 1)).isFalse();
        assertThat(m.contains(HIGH_BASE - 1, 1)).isFalse();
        assertThat(m.contains(LOW - 8, 16)).as("straddles the low top").isFalse();
        assertThat(m.contains(HIGH_BASE - 8, 16)).as("straddles the high base").isFalse();
        assertThat(m.contains(0, HIGH_BASE + HIGH)).as("spans the hole").isFalse();
        assertThat(m.contains(HIGH_BASE + HIGH - 8, 16)).as("past the end").isFalse();
        assertThatThrownBy(() -> m.readLong(LOW)).isInstanceOf(PhysicalMemory.OutOfRangeException.class)
                .hasMessageContaining("physical access 0x10000+0x8 outside RAM 0x0-0x10000 and 0x100000-0x108000 (the hole between is not RAM)");
        assertThatThrownBy(() -> m.write(LOW - 2, new byte[4])).isInstanceOf(PhysicalMemory.OutOfRangeException.class);
        assertThatThrownBy(() -> m.slice(HIGH_BASE - 4096, 8192)).isInstanceOf(PhysicalMemory.OutOfRangeException.class);
    }

    @Test
    void dataRunsAreAskedInFileOffsetsAndAnsweredInAddresses() {
        // The backing file holds data only at offsets [LOW + 4096, LOW + 8192): the high piece's second page.
        PhysicalMemory sparse = m.withDataRuns(new PhysicalMemory.DataRuns() {
            @Override
            public long nextData(long offset, long end) {
                return offset < LOW + 8192 ? Math.min(Math.max(offset, LOW + 4096), end) : end;
            }

            @Override
            public long dataEnd(long offset, long end) {
                return Math.min(Math.max(offset, LOW + 8192), end);
            }
        });
        assertThat(sparse.nextData(0, LOW)).as("the low piece is all hole").isEqualTo(LOW);
        assertThat(sparse.nextData(HIGH_BASE, HIGH)).isEqualTo(HIGH_BASE + 4096);
        assertThat(sparse.dataEnd(HIGH_BASE + 4096, HIGH - 4096)).isEqualTo(HIGH_BASE + 8192);
        assertThat(sparse.nextData(HIGH_BASE + 8192, HIGH - 8192)).isEqualTo(HIGH_BASE + HIGH);
        assertThat(m.nextData(HIGH_BASE, HIGH)).as("without runs everything may be data").isEqualTo(HIGH_BASE);
        assertThat(m.dataEnd(HIGH_BASE, HIGH)).isEqualTo(HIGH_BASE + HIGH);
    }

    @Test
    void aSplitWithNothingAboveIsPlainMemory() {
        PhysicalMemory plain = PhysicalMemory.split(file, file.byteSize(), 1L << 32);
        assertThat(plain.isSplit()).isFalse();
        assertThat(plain.end()).isEqualTo(file.byteSize());
        assertThatThrownBy(() -> PhysicalMemory.split(file, file.byteSize() + 1, 1L << 32))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
