package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.testing.NeedsTestData;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A bzImage decompressed at load: the real cloud kernel's vmlinux, moved as one block. */
@NeedsTestData
class DecompressedKernelPlanTest {
    private static byte[] bzImage;
    private static ElfFile vmlinux;

    @BeforeAll
    static void load() throws IOException {
        bzImage = Files.readAllBytes(GuestAssets.cloudKernel());
        vmlinux = ElfParser.parse(MemorySegment.ofArray(dev.jkexec.image.bzimage.BzImage.parse(MemorySegment.ofArray(bzImage)).decompress()));
    }

    private static ImagePlan plan(EntryMode mode) {
        return new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(PlanRequest.builder(bzImage, Maps.guest1G())
                .commandLine("console=ttyS0").entry(mode).decompress(true).initrd(new byte[0x10000]).build());
    }

    @Test
    void thePtLoadsMoveAsOneAlignedBlockAndTheEntryMovesWithThem() {
        ImagePlan p = plan(EntryMode.BIT64);
        List<ProgramHeader> loads = vmlinux.loads().stream().filter(ph -> ph.memsz() != 0).toList();
        long low = loads.stream().mapToLong(ProgramHeader::paddr).min().orElseThrow() & -4096L;
        List<KexecSegment> kernel = p.image().segments().stream().filter(s -> s.what().startsWith("kernel")).toList();
        long base = kernel.getFirst().destination();
        assertThat(base % (2L << 20)).as("2 MiB aligned").isZero();
        assertThat(base).isNotEqualTo(low).isGreaterThanOrEqualTo(0x1000000L);
        for (ProgramHeader ph : loads) {
            long at = base + (ph.paddr() - low);
            assertThat(kernel).anySatisfy(s -> assertThat(at).isBetween(s.destination(), s.destinationEnd() - 1));
        }
        assertThat(p.layout().kernelEntry()).isEqualTo(base + vmlinux.entry() - low);
        assertThat(p.layout().kernel()).contains("decompressed by jkexec");
        ZeroPage z = ZeroPage.view(zeroPageOf(p));
        assertThat(z.u16(0x206)).as("the bzImage's own setup header: protocol 2.15").isEqualTo(0x20F);
        assertThat(z.u32(0x260)).as("init_size from the header").isEqualTo(0x3378000L);
        assertThat(z.typeOfLoader()).isEqualTo(0xD0);
    }

    @Test
    void onlyTheSixtyFourBitEntryExists() {
        assertThatThrownBy(() -> plan(EntryMode.BIT32)).isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("startup_64");
    }

    private static byte[] zeroPageOf(ImagePlan p) {
        KexecSegment setup = p.image().segments().stream().filter(s -> s.what().equals("setup")).findFirst().orElseThrow();
        long offset = p.layout().zeroPage() - setup.destination();
        return setup.buffer().asSlice(offset, 4096).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
