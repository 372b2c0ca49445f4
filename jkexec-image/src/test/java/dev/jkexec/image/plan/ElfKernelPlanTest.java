package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.testing.ElfBuilder;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.testing.Pure;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** ELF vmlinux kernels: PT_LOADs at p_paddr, entry at e_entry, a minimal zero page header. */
@Pure
class ElfKernelPlanTest {
    static KexecImage plan(byte[] kernel) {
        return new KexecPlanner(new KexecPlannerTest.FakePurgatory())
                .plan(PlanRequest.builder(kernel, Maps.guest1G()).commandLine("console=ttyS0").build()).image();
    }

    @Test
    void entryIsThePhysicalEntry() {
        byte[] k = ElfBuilder.elf64().load(0xffffffff81000000L, 0x1000000, new byte[0x3000], 0x3000).build();
        KexecPlannerTest.FakePurgatory purgatory = new KexecPlannerTest.FakePurgatory();
        new KexecPlanner(purgatory).plan(PlanRequest.builder(k, Maps.guest1G()).build());
        assertThat(purgatory.calls.getLast().kernelEntry()).isEqualTo(0x1000000);
    }

    @Test
    void loadsSharingPagesAreMerged() {
        byte[] a = new byte[0x1800];
        Arrays.fill(a, (byte) 1);
        byte[] b = new byte[0x100];
        Arrays.fill(b, (byte) 2);
        byte[] k = ElfBuilder.elf64()
                .load(0x1000000, a, 0x1900)          // ends at 0x1001900
                .load(0x1001A00, b, 0x300)           // same page: merged
                .load(0x1004000, new byte[0x10], 0x1000)
                .build();
        KexecImage img = plan(k);
        List<KexecSegment> kernel = img.segments().stream().filter(s -> s.what().startsWith("kernel")).toList();
        assertThat(kernel).hasSize(2);
        KexecSegment merged = kernel.getFirst();
        assertThat(merged.what()).isEqualTo("kernel phdr[0]+phdr[1]");
        assertThat(merged.destination()).isEqualTo(0x1000000);
        assertThat(merged.destinationSize()).isEqualTo(0x2000);
        byte[] buf = KexecPlannerTest.bytes(merged);
        assertThat(buf).hasSize(0x1B00);
        assertThat(Arrays.copyOfRange(buf, 0, 0x1800)).containsOnly(1);
        assertThat(Arrays.copyOfRange(buf, 0x1800, 0x1A00)).containsOnly(0);
        assertThat(Arrays.copyOfRange(buf, 0x1A00, 0x1B00)).containsOnly(2);
    }

    @Test
    void unalignedLoadIsWidenedToItsPage() {
        byte[] k = ElfBuilder.elf64().load(0x1000100, new byte[] {9, 9}, 0x10).build();
        KexecSegment s = plan(k).segments().stream().filter(x -> x.what().startsWith("kernel")).findFirst().orElseThrow();
        assertThat(s.destination()).isEqualTo(0x1000000);
        byte[] buf = KexecPlannerTest.bytes(s);
        assertThat(buf).hasSize(0x102);
        assertThat(buf[0x100]).isEqualTo((byte) 9);
    }

    @Test
    void overlappingLoadsAreAnError() {
        byte[] k = ElfBuilder.elf64().load(0x1000000, new byte[0x10], 0x2000).load(0x1001000, new byte[0x10], 0x1000).build();
        assertThatThrownBy(() -> plan(k)).isInstanceOf(ImageFormatException.class).hasMessageContaining("elf.phdr[1].p_paddr");
    }

    @Test
    void loadOutsideRamOrInTheLegacyWindow() {
        assertThatThrownBy(() -> plan(ElfBuilder.elf64().load(0xA0000, new byte[0x10], 0x1000).build()))
                .isInstanceOf(PlacementException.class).hasMessageContaining("not inside usable memory");
        assertThatThrownBy(() -> plan(ElfBuilder.elf64().load(0x40000000L, new byte[0x10], 0x1000).build()))
                .isInstanceOf(PlacementException.class);
        assertThatThrownBy(() -> plan(ElfBuilder.elf64().load(0x7FFF_FFFF_FFFF_F000L, new byte[0x10], 0x1000).build()))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("52-bit physical address space");
    }

    @Test
    void tooManySegments() {
        ElfBuilder b = ElfBuilder.elf64();
        for (int i = 0; i < 16; i++) {
            b.load(0x1000000 + i * 0x10000L, new byte[0x10], 0x10);
        }
        assertThatThrownBy(() -> plan(b.build())).isInstanceOf(PlacementException.class)
                .hasMessageContaining("segments exceed the limit of 15");
    }

    @Test
    void entryOutsideEveryLoad() {
        ElfBuilder b = ElfBuilder.elf64().load(0x2000000, new byte[0x10], 0x1000);
        b.entry = 0x1000000;
        assertThatThrownBy(() -> plan(b.build())).isInstanceOf(ImageFormatException.class).hasMessageStartingWith("elf.e_entry");
    }

    @Test
    void onlyElf64X86ExecutablesWith64BitEntry() {
        assertThatThrownBy(() -> plan(ElfBuilder.elf32().load(0x1000000, new byte[0x10], 0x1000).build()))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("not an x86-64 vmlinux");
        ElfBuilder dyn = ElfBuilder.elf64().load(0x1000000, new byte[0x10], 0x1000);
        dyn.type = ElfFile.ET_DYN;
        assertThatThrownBy(() -> plan(dyn.build())).hasMessage("elf.e_type: actual 0x3 != expected 0x2");
        byte[] ok = ElfBuilder.elf64().load(0x1000000, new byte[0x10], 0x1000).build();
        assertThatThrownBy(() -> new KexecPlanner(new KexecPlannerTest.FakePurgatory())
                .plan(PlanRequest.builder(ok, Maps.guest1G()).entry(EntryMode.BIT32).build()))
                .isInstanceOf(ImageFormatException.class).hasMessageContaining("64-bit startup_64 only");
    }

    @Test
    void nothingIsPlacedInTheGapsBetweenPtLoads() {
        // Text, a 1 MiB gap (Linux frees its text/rodata gap after boot), then data ending at the top of
        // RAM: the gap is the highest free space, where a top-down initrd would go if it looked free.
        long top = 0x40000000L;
        ElfBuilder b = ElfBuilder.elf64().load(top - 0x300000, new byte[0x100], 0x100000)
                .load(top - 0x100000, new byte[0x100], 0x100000);
        b.entry = top - 0x300000;
        ImagePlan p = new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(PlanRequest.builder(b.build(), Maps.guest1G())
                .initrd(new byte[0x80000]).commandLine("console=ttyS0").build());
        long gapStart = top - 0x200000;
        long gapEnd = top - 0x100000;
        assertThat(p.image().segments()).allSatisfy(s ->
                assertThat(s.destination() >= gapEnd || s.destinationEnd() <= gapStart).as(s.what() + " outside the gap").isTrue());
    }
}
