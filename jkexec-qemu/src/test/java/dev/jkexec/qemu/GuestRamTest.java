package dev.jkexec.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.Pure;
import dev.jkexec.qemu.common.MachineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Pure
class GuestRamTest {
    static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void mapsASparseFileWhoseOffsetsArePhysicalAddresses() throws Exception {
        try (GuestRam ram = GuestRam.create(dir, "ram", SIZE, UsableSpace.fileSystem())) {
            assertThat(Files.size(ram.file())).isEqualTo(SIZE);
            assertThat(allocatedBytes(ram.file())).isLessThan(1 << 20);

            ram.memory().writeLong(0x1000, 0x1122334455667788L);
            ram.memory().write(SIZE - 4, new byte[] {1, 2, 3, 4});

            try (FileChannel f = FileChannel.open(ram.file(), StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.allocate(4);
                f.read(b, SIZE - 4);
                assertThat(b.array()).containsExactly(1, 2, 3, 4);
                ByteBuffer q = ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                f.read(q, 0x1000);
                assertThat(q.getLong(0)).isEqualTo(0x1122334455667788L);
            }
            assertThat(ram.memory().size()).isEqualTo(SIZE);
        }
    }

    @Test
    void aSplitRamMapsItsSecondPartFrom4GibAndReportsOnlyWrittenPagesAsData() throws Exception {
        // /dev/shm, like the machine: tmpfs answers SEEK_DATA/SEEK_HOLE per page.
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "jkexec-guestram-test");
        long four = 1L << 32;
        try (GuestRam ram = GuestRam.create(shm, "ram", 8L << 20, 4L << 20, UsableSpace.fileSystem())) {
            var m = ram.memory();
            assertThat(m.isSplit()).isTrue();
            assertThat(m.end()).isEqualTo(four + (4L << 20));
            assertThat(m.nextData(0, 4L << 20)).as("nothing written yet").isEqualTo(4L << 20);
            m.writeLong(four + 4096 + 16, 0x5A5A_0000_1234_5678L);
            assertThat(ram.segment().get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, (4L << 20) + 4096 + 16))
                    .isEqualTo(0x5A5A_0000_1234_5678L);
            assertThat(m.nextData(four, 4L << 20)).isEqualTo(four + 4096);
            assertThat(m.dataEnd(four + 4096, (4L << 20) - 4096)).isEqualTo(four + 8192);
            assertThat(m.nextData(four + 8192, (4L << 20) - 8192)).isEqualTo(four + (4L << 20));
            assertThat(m.nextData(0, 4L << 20)).as("asking allocates nothing: the low part is still a hole").isEqualTo(4L << 20);
            assertThatThrownBy(() -> m.readLong((4L << 20) + 8)).isInstanceOf(dev.jkexec.platform.PhysicalMemory.OutOfRangeException.class);
        } finally {
            Files.deleteIfExists(shm.resolve("ram"));
            Files.deleteIfExists(shm);
        }
    }

    @Test
    void aFreshWriteGoesThroughTheFileAndIsSeenThroughTheMappingOnBothSidesOfTheHole() throws Exception {
        Path shm = Files.createTempDirectory(Path.of("/dev/shm"), "jkexec-guestram-test");
        long four = 1L << 32;
        try (GuestRam ram = GuestRam.create(shm, "ram", 16L << 20, 8L << 20, UsableSpace.fileSystem());
                java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            var m = ram.memory();
            byte[] heap = new byte[(3 << 20) + 4095]; // several 1 MiB chunks and a ragged end
            new java.util.Random(7).nextBytes(heap);
            java.lang.foreign.MemorySegment bytes = java.lang.foreign.MemorySegment.ofArray(heap);
            java.lang.foreign.MemorySegment longs = java.lang.foreign.MemorySegment.ofArray(new long[(2 << 20) / 8]);
            longs.copyFrom(bytes.asSlice(0, longs.byteSize()));
            java.lang.foreign.MemorySegment direct = arena.allocate(bytes.byteSize()).copyFrom(bytes);
            m.writeFresh(0x100000 + 12, bytes.asReadOnly());
            m.writeFresh(four + 0x3000, direct);
            m.writeFresh(0x500000, longs);
            m.writeFresh(0x7ff000, bytes.asSlice(0, 100)); // small: through the mapping
            assertThat(m.slice(0x100000 + 12, heap.length).mismatch(bytes)).isEqualTo(-1);
            assertThat(m.slice(four + 0x3000, heap.length).mismatch(bytes)).isEqualTo(-1);
            assertThat(m.slice(0x500000, longs.byteSize()).mismatch(longs)).isEqualTo(-1);
            assertThat(m.slice(0x7ff000, 100).mismatch(bytes.asSlice(0, 100))).isEqualTo(-1);
            assertThat(m.readLong(0x100000)).as("the bytes around are untouched").isZero();
            assertThat(ram.segment().get(java.lang.foreign.ValueLayout.JAVA_BYTE, (8L << 20) + 0x3000 + 5)).isEqualTo(heap[5]);
            assertThatThrownBy(() -> m.writeFresh(four + (8L << 20) - 10, bytes))
                    .isInstanceOf(dev.jkexec.platform.PhysicalMemory.OutOfRangeException.class);
        } finally {
            Files.deleteIfExists(shm.resolve("ram"));
            Files.deleteIfExists(shm);
        }
    }

    @Test
    void tooLittleSpaceIsAOneLineErrorAndCreatesNothing() throws IOException {
        UsableSpace budget = d -> 10L << 20;

        assertThatThrownBy(() -> GuestRam.create(dir, "ram", SIZE, budget))
                .isInstanceOfSatisfying(RamSpaceException.class, e -> {
                    assertThat(e.directory()).isEqualTo(dir);
                    assertThat(e.usable()).isEqualTo(10L << 20);
                    assertThat(e.needed()).isEqualTo(SIZE);
                })
                .hasMessage("not enough space for guest RAM in " + dir + ": 67108864 bytes (64 MiB) needed, only "
                        + "10485760 bytes (10 MiB) free (free some, or put RAM elsewhere with --ram-dir)");
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void exactlyEnoughSpaceIsEnough() {
        GuestRam.create(dir, "ram", SIZE, d -> SIZE).close();
    }

    @Test
    void unreadableFreeSpaceIsAnError() {
        assertThatThrownBy(() -> GuestRam.create(dir, "ram", SIZE, d -> {
            throw new IOException("statvfs failed");
        })).isInstanceOf(MachineException.class).hasMessage("cannot tell how much space is free in " + dir + ": statvfs failed");
    }

    @Test
    void anExistingFileIsNotReused() throws IOException {
        Files.writeString(dir.resolve("ram"), "someone else's");

        assertThatThrownBy(() -> GuestRam.create(dir, "ram", SIZE, UsableSpace.fileSystem()))
                .isInstanceOf(MachineException.class)
                .hasMessage("cannot create guest RAM file " + dir.resolve("ram") + ": it already exists");
        assertThat(Files.readString(dir.resolve("ram"))).isEqualTo("someone else's");
    }

    @Test
    void unlinkKeepsTheMappingAndCloseUnmaps() {
        GuestRam ram = GuestRam.create(dir, "ram", SIZE, UsableSpace.fileSystem());
        ram.unlink();
        assertThat(ram.file()).doesNotExist();
        ram.memory().writeInt(0x500, 42);
        assertThat(ram.memory().readInt(0x500)).isEqualTo(42);

        ram.close();
        ram.close();

        assertThatThrownBy(() -> ram.memory().readInt(0x500)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeDeletesTheFile() {
        GuestRam ram = GuestRam.create(dir, "ram", SIZE, UsableSpace.fileSystem());
        ram.close();

        assertThat(dir.resolve("ram")).doesNotExist();
    }

    /** Bytes the file system really allocated ({@code stat %b} × 512). */
    static long allocatedBytes(Path file) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("stat", "--format=%b", file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(out).isZero();
        return Long.parseLong(out) * 512;
    }
}
