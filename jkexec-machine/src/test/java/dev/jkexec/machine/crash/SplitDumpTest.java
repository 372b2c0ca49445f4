package dev.jkexec.machine.crash;

import static org.assertj.core.api.Assertions.assertThat;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.crash.CrashNote;
import dev.jkexec.platform.x86.DescriptorTable;
import dev.jkexec.platform.x86.GeneralRegisters;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Segment;
import dev.jkexec.core.crash.GuestKernel;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.elf.ProgramHeader;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.Inflater;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.jkexec.platform.testing.Pure;

/**
 * Dumps of RAM above 4 GiB: the writers follow the split (PT_LOAD and kdump pfns at 4 GiB, none
 * in the hole) and read only the backing file's data runs. The pages the runs call holes hold
 * garbage here; a dump that shows zeros for them proves they were never read.
 */
@Pure
class SplitDumpTest {
    static final int PAGE = 4096;
    static final long FOUR = 1L << 32;
    static final long LOW = 2L << 20;
    static final long HIGH = 1L << 20;
    Path dir;
    PhysicalMemory memory;
    List<MemoryRange> ram = List.of(new MemoryRange(0, 0xA0000, E820Type.RAM),
            new MemoryRange(0x100000, LOW - 0x100000, E820Type.RAM), new MemoryRange(FOUR, HIGH, E820Type.RAM));

    /** Offsets of the file that hold data: the first 1 MiB and the high part's second half. */
    static boolean data(long offset) {
        return offset < (1L << 20) || offset >= LOW + HIGH / 2;
    }

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("jkexec-split-dump");
        MemorySegment file = java.lang.foreign.Arena.ofAuto().allocate(LOW + HIGH);
        Random r = new Random(11);
        byte[] b = new byte[(int) file.byteSize()];
        r.nextBytes(b);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, file, 0, b.length);
        memory = PhysicalMemory.split(file, LOW, FOUR).withDataRuns(new PhysicalMemory.DataRuns() {
            @Override
            public long nextData(long offset, long end) {
                long o = offset;
                while (o < end && !data(o)) {
                    o += PAGE;
                }
                return Math.min(o, end);
            }

            @Override
            public long dataEnd(long offset, long end) {
                long o = offset;
                while (o < end && data(o)) {
                    o += PAGE;
                }
                return Math.min(o, end);
            }
        });
    }

    @AfterEach
    void tearDown() throws IOException {
        try (var s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(dir);
    }

    /** What a dump must show at {@code address}: the bytes where the file holds data, zeros in its holes. */
    byte[] expected(long address) {
        long offset = address < LOW ? address : LOW + address - FOUR;
        return data(offset) ? memory.read(address, PAGE) : new byte[PAGE];
    }

    DumpSource source() {
        Segment none = new Segment(0, 0, 0, 0);
        DescriptorTable table = new DescriptorTable(0, 0);
        Registers cpu = new Registers(GeneralRegisters.ZERO, 0x1234L, 0x2, none, none, none, none, none, none, none, none,
                table, table, 0, 0, 0, 0, 0);
        return new DumpSource(memory, ram, List.of(CrashNote.encode(0, cpu)), new GuestKernel.Unknown("a test guest"),
                1_700_000_000L, List.of());
    }

    @Test
    void theElfCoreHasAPtLoadAt4GibAndHolesWhereTheFileHasNone() throws Exception {
        Path f = dir.resolve("e");
        CoreDump.Written w = Dumps.write(DumpTarget.open(f, false), source(), DumpFormat.ELF, 31, DumpProgress.NONE);
        assertThat(w.summary()).startsWith("ELF core, 3 PT_LOADs");
        ElfFile elf = ElfParser.parseHeaders(MemorySegment.ofArray(Files.readAllBytes(f)));
        assertThat(elf.loads()).extracting(ProgramHeader::paddr).containsExactly(0L, 0x100000L, FOUR);
        assertThat(elf.loads().get(2).filesz()).isEqualTo(HIGH);
        try (FileChannel ch = FileChannel.open(f)) {
            for (ProgramHeader p : elf.loads()) {
                for (long at = 0; at < p.filesz(); at += PAGE) {
                    ByteBuffer got = ByteBuffer.allocate(PAGE);
                    ch.read(got, p.offset() + at);
                    assertThat(got.array()).as("0x%x", p.paddr() + at).isEqualTo(expected(p.paddr() + at));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DumpFormat.class, names = {"KDUMP_ZLIB", "KDUMP_ZSTD"})
    void kdumpPfnsFollowTheSplitAndHolesComeBackAsZeros(DumpFormat format) throws Exception {
        Path f = dir.resolve("k");
        Dumps.write(DumpTarget.open(f, false), source(), format, 1, DumpProgress.NONE);
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        int subBlocks = b.getInt(432);
        int bitmapBlocks = b.getInt(436);
        long maxPfn = b.getLong(PAGE + 96);
        assertThat(maxPfn).isEqualTo((FOUR + HIGH) / PAGE);
        long bitmap1 = (1L + subBlocks) * PAGE;
        long bitmap2 = bitmap1 + (long) bitmapBlocks * PAGE / 2;
        long desc = bitmap1 + (long) bitmapBlocks * PAGE;
        int n = 0;
        for (long pfn = 0; pfn < maxPfn; pfn++) {
            long a = pfn * PAGE;
            boolean isRam = ram.stream().anyMatch(r -> r.contains(a));
            assertThat(KdumpFileTest.bit(b, bitmap1, pfn)).as("bitmap 1, pfn 0x%x", pfn).isEqualTo(isRam);
            assertThat(KdumpFileTest.bit(b, bitmap2, pfn)).as("bitmap 2, pfn 0x%x", pfn).isEqualTo(isRam);
            if (!isRam) {
                continue;
            }
            long d = desc + 24L * n++;
            long offset = b.getLong((int) d);
            int size = b.getInt((int) d + 8);
            int flags = b.getInt((int) d + 12);
            byte[] bytes = new byte[size];
            b.get((int) offset, bytes);
            byte[] page = flags == 0 ? bytes : KdumpFileTest.inflate(format, bytes);
            assertThat(page).as("pfn 0x%x", pfn).isEqualTo(expected(a));
        }
    }
}
