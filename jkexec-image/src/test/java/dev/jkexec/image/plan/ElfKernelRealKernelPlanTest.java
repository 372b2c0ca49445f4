package dev.jkexec.image.plan;

import static dev.jkexec.image.plan.ElfKernelPlanTest.plan;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.RealKernels;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.testing.NeedsTestData;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Planning the real Debian vmlinux (test data). */
@NeedsTestData
class ElfKernelRealKernelPlanTest {
    @Test
    void realVmlinux() {
        byte[] vmlinux = RealKernels.genericVmlinux();
        ElfFile elf = ElfParser.parse(MemorySegment.ofArray(vmlinux));
        KexecImage img = plan(vmlinux);
        List<KexecSegment> kernel = img.segments().stream().filter(s -> s.what().startsWith("kernel")).toList();
        assertThat(kernel).hasSize(elf.loads().size());
        for (int i = 0; i < kernel.size(); i++) {
            ProgramHeader ph = elf.loads().get(i);
            KexecSegment s = kernel.get(i);
            assertThat(s.destination()).isEqualTo(ph.paddr());
            assertThat(s.destinationSize()).isEqualTo(Placer.pageAlign(ph.memsz()));
            assertThat(s.bufferSize()).isEqualTo(ph.filesz());
        }
        assertThat(KexecPlannerTest.bytes(kernel.getFirst())).isEqualTo(Arrays.copyOfRange(vmlinux,
                (int) elf.loads().getFirst().offset(), (int) (elf.loads().getFirst().offset() + elf.loads().getFirst().filesz())));
        KexecSegment setup = KexecPlannerTest.segment(img, "setup");
        ZeroPage z = ZeroPage.view(KexecPlannerTest.bytes(setup));
        assertThat(z.u16(ZeroPage.BOOT_FLAG)).isEqualTo(0xAA55);
        assertThat(z.u32(ZeroPage.HEADER)).isEqualTo(0x53726448L);
        assertThat(z.u16(ZeroPage.VERSION)).isEqualTo(0x20F);
        assertThat(z.typeOfLoader()).isEqualTo(0xD0);
        assertThat(z.commandLinePointer()).isEqualTo(setup.destination() + 4096);
        assertThat(z.e820()).isEqualTo(Maps.guest1G().ranges());
    }
}
