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

    private static ImagePlan planKaslr(String commandLine, long seed, dev.jkexec.image.ImageType type) {
        PlanRequest.Builder b = PlanRequest.builder(bzImage, Maps.guest1G()).commandLine(commandLine).decompress(true)
                .initrd(new byte[0x800000]).kaslr(new java.util.SplittableRandom(seed));
        if (type == dev.jkexec.image.ImageType.CRASH) {
            b.crash(new dev.jkexec.image.crash.CrashEnvironment(Maps.crashRegion(1L << 30), List.of(), null, Maps.guest1G().ram()));
        }
        return new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(b.build());
    }

    private static long kernelBase(ImagePlan p) {
        return p.image().segments().stream().filter(s -> s.what().startsWith("kernel")).findFirst().orElseThrow().destination();
    }

    @Test
    void kaslrDrawsAPhysicalSlotAndAVirtualOffsetAndTellsTheKernel() {
        long topDown = kernelBase(plan(EntryMode.BIT64));
        java.util.Set<Long> bases = new java.util.HashSet<>();
        for (long seed = 1; seed <= 8; seed++) {
            ImagePlan p = planKaslr("console=ttyS0", seed, dev.jkexec.image.ImageType.DEFAULT);
            long base = kernelBase(p);
            assertThat(base % (2L << 20)).isZero();
            assertThat(base).isGreaterThanOrEqualTo(0x1000000L);
            bases.add(base);
            assertThat(p.layout().kernel()).contains("KASLR: physical 0x" + Long.toHexString(base)).contains("virtual offset 0x");
            assertThat(ZeroPage.view(zeroPageOf(p)).u8(0x211) & 0x02).as("KASLR_FLAG in loadflags").isEqualTo(2);
            KexecSegment initrd = p.image().segments().stream().filter(s -> s.what().equals("initrd")).findFirst().orElseThrow();
            assertThat(initrd.destinationEnd()).as("the initrd keeps the top of the kernel's reach").isGreaterThan(topDown);
        }
        assertThat(bases).as("eight draws, not one place").hasSizeGreaterThan(4);
    }

    @Test
    void nokaslrLoadsAtTheTopWithTheLinkTimeVirtualAddress() {
        ImagePlan p = planKaslr("console=ttyS0 nokaslr", 3, dev.jkexec.image.ImageType.DEFAULT);
        assertThat(kernelBase(p)).isEqualTo(kernelBase(plan(EntryMode.BIT64)));
        assertThat(p.layout().kernel()).doesNotContain("KASLR");
        assertThat(ZeroPage.view(zeroPageOf(p)).u8(0x211) & 0x02).isZero();
    }

    @Test
    void aCrashKernelKeepsItsPlaceInTheCrashRegionButGetsAVirtualOffset() {
        ImagePlan a = planKaslr("console=ttyS0", 1, dev.jkexec.image.ImageType.CRASH);
        ImagePlan b = planKaslr("console=ttyS0", 2, dev.jkexec.image.ImageType.CRASH);
        assertThat(kernelBase(a)).isEqualTo(kernelBase(b));
        assertThat(a.layout().kernel()).contains("virtual offset 0x");
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
