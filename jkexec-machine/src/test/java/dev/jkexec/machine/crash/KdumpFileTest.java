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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import dev.jkexec.platform.testing.Pure;

/**
 * The dump writers, decoded by readers written here from makedumpfile's layout (kdump) and by
 * jkexec's ELF parser: every page of RAM comes back, zero pages as holes or the shared zero page.
 */
@Pure
class KdumpFileTest {
    static final int PAGE = 4096;
    Path dir;
    PhysicalMemory memory;
    List<MemoryRange> ram;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("jkexec-kdump-file");
        memory = PhysicalMemory.of(java.lang.foreign.Arena.ofAuto().allocate(4L << 20));
        Random r = new Random(7);
        for (int p = 0; p < 1024; p++) {
            if (p % 3 == 0) {
                continue; // a page of zeros
            }
            byte[] b = new byte[PAGE];
            if (p % 3 == 1) {
                r.nextBytes(b); // incompressible
            } else {
                Arrays.fill(b, (byte) p); // compressible
            }
            memory.write((long) p * PAGE, b);
        }
        ram = List.of(new MemoryRange(0, 0xA0000, E820Type.RAM), new MemoryRange(0x100000, (4L << 20) - 0x100000, E820Type.RAM));
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

    DumpSource source() {
        Segment none = new Segment(0, 0, 0, 0);
        DescriptorTable table = new DescriptorTable(0, 0);
        Registers cpu = new Registers(GeneralRegisters.ZERO, 0x1234L, 0x2, none, none, none, none, none, none, none, none,
                table, table, 0, 0, 0, 0, 0);
        byte[] note = CrashNote.encode(0, cpu);
        return new DumpSource(memory, ram, List.of(note), new GuestKernel.Unknown("a test guest"), 1_700_000_000L, List.of());
    }

    @ParameterizedTest
    @EnumSource(value = DumpFormat.class, names = {"KDUMP_ZLIB", "KDUMP_ZSTD"})
    void kdumpPagesDecodeToGuestRam(DumpFormat format) throws Exception {
        Path f = dir.resolve("k");
        CoreDump.Written w = Dumps.write(DumpTarget.open(f, false), source(), format, 31, DumpProgress.NONE);
        assertThat(w.summary()).contains("dump level 1 (level 31 impossible: no VMCOREINFO)");
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        byte[] sig = new byte[8];
        b.get(0, sig);
        assertThat(new String(sig)).isEqualTo("KDUMP   ");
        assertThat(b.getInt(8)).isEqualTo(6);
        assertThat(b.getLong(408)).isEqualTo(1_700_000_000L);
        assertThat(b.getInt(424)).isEqualTo(format == DumpFormat.KDUMP_ZSTD ? 0x20 : 0x1);
        assertThat(b.getInt(428)).isEqualTo(PAGE);
        int subBlocks = b.getInt(432);
        int bitmapBlocks = b.getInt(436);
        long maxPfn = b.getLong(PAGE + 96);
        assertThat(maxPfn).isEqualTo(1024);
        assertThat(b.getInt(460)).isEqualTo(1);
        assertThat(b.getInt(PAGE + 8)).as("dump_level").isEqualTo(1);
        long noteAt = b.getLong(PAGE + 48);
        assertThat(b.getInt((int) noteAt + 8)).as("NT_PRSTATUS").isEqualTo(1);
        long bitmap1 = (1L + subBlocks) * PAGE;
        long bitmap2 = bitmap1 + (long) bitmapBlocks * PAGE / 2;
        long desc = bitmap1 + (long) bitmapBlocks * PAGE;
        int n = 0;
        for (int pfn = 0; pfn < maxPfn; pfn++) {
            boolean isRam = pfn < 0xA0 || pfn >= 0x100;
            assertThat(bit(b, bitmap1, pfn)).as("bitmap 1, pfn %d", pfn).isEqualTo(isRam);
            assertThat(bit(b, bitmap2, pfn)).as("bitmap 2, pfn %d", pfn).isEqualTo(isRam);
            if (!isRam) {
                continue;
            }
            long d = desc + 24L * n++;
            long offset = b.getLong((int) d);
            int size = b.getInt((int) d + 8);
            int flags = b.getInt((int) d + 12);
            byte[] data = new byte[size];
            b.get((int) offset, data);
            byte[] page = flags == 0 ? data : inflate(format, data);
            assertThat(page).as("pfn %d", pfn).isEqualTo(memory.read((long) pfn * PAGE, PAGE));
            if (pfn % 3 == 1) {
                assertThat(flags).as("incompressible: stored raw").isZero();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DumpFormat.class, names = "ELF")
    void elfCoreIsSparseAndHoldsEveryPage(DumpFormat format) throws Exception {
        Path f = dir.resolve("e");
        CoreDump.Written w = Dumps.write(DumpTarget.open(f, false), source(), format, 31, DumpProgress.NONE);
        assertThat(w.summary()).startsWith("ELF core, 2 PT_LOADs");
        ElfFile elf = ElfParser.parseHeaders(MemorySegment.ofArray(Files.readAllBytes(f)));
        List<ProgramHeader> loads = elf.loads();
        assertThat(loads).extracting(ProgramHeader::paddr).containsExactly(0L, 0x100000L);
        assertThat(loads).allMatch(p -> p.vaddr() == 0, "no vaddrs without VMCOREINFO");
        try (FileChannel ch = FileChannel.open(f)) {
            for (ProgramHeader p : loads) {
                ByteBuffer got = ByteBuffer.allocate((int) p.filesz());
                ch.read(got, p.offset());
                assertThat(got.array()).isEqualTo(memory.read(p.paddr(), (int) p.filesz()));
            }
        }
        Process stat = new ProcessBuilder("stat", "-c", "%b %B", f.toString()).start();
        String[] blocks = new String(stat.getInputStream().readAllBytes()).strip().split(" ");
        stat.waitFor();
        long allocated = Long.parseLong(blocks[0]) * Long.parseLong(blocks[1]);
        assertThat(allocated).as("pages of zeros are holes").isLessThan(Files.size(f) * 3 / 4);
    }

    static boolean bit(ByteBuffer b, long bitmap, long pfn) {
        return (b.get((int) (bitmap + pfn / 8)) & (1 << (pfn % 8))) != 0;
    }

    static byte[] inflate(DumpFormat format, byte[] data) throws Exception {
        byte[] out = new byte[PAGE];
        if (format == DumpFormat.KDUMP_ZSTD) {
            assertThat(new ZstdDecompressor().decompress(data, 0, data.length, out, 0, PAGE)).isEqualTo(PAGE);
        } else {
            Inflater i = new Inflater();
            i.setInput(data);
            assertThat(i.inflate(out)).isEqualTo(PAGE);
            i.end();
        }
        return out;
    }
}
