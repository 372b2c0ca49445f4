package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.testing.ElfBuilder;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.testing.Pure;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A default ELF vmlinux planned while another image runs over its link addresses: moved as one
 * block to the lowest free 2 MiB-aligned address clear of the running image, entry with it; left
 * at its {@code p_paddr} when it does not overlap, when the command line says {@code nokaslr}, when
 * the file is not laid out as an x86-64 Linux kernel, or when nothing clear fits.
 */
@Pure
class ElfKernelClearOfRunningTest {
    private static final long MAP = ElfKernel.START_KERNEL_MAP;
    private static final long LINK = 0x1000000;

    /** Two PT_LOADs like a vmlinux's text and data: mapped at __START_KERNEL_map + p_paddr, entry at _text + 0x40. */
    private static byte[] vmlinux() {
        ElfBuilder b = ElfBuilder.elf64()
                .load(MAP + LINK, LINK, new byte[0x3000], 0x300000)
                .load(MAP + LINK + 0x400000, LINK + 0x400000, new byte[] {7}, 0x5000);
        b.entry = LINK + 0x40;
        return b.build();
    }

    private static KexecPlannerTest.FakePurgatory purgatory;

    private static KexecImage plan(byte[] kernel, String commandLine, List<MemoryRange> running) {
        purgatory = new KexecPlannerTest.FakePurgatory();
        return new KexecPlanner(purgatory).plan(PlanRequest.builder(kernel, Maps.guest1G()).commandLine(commandLine)
                .initrd(new byte[0x10000]).running(running).build()).image();
    }

    private static MemoryRange ram(long start, long size) {
        return new MemoryRange(start, size, E820Type.RAM);
    }

    private static List<KexecSegment> kernel(KexecImage img) {
        return img.segments().stream().filter(s -> s.what().startsWith("kernel")).toList();
    }

    @Test
    void overTheRunningKernelItMovesToTheFirstAlignedAddressPastItEntryAndLayoutWithIt() {
        // the running image: a kernel at 16 MiB ending at 0x4E21000 (not aligned), and its initrd higher up
        KexecImage img = plan(vmlinux(), "console=ttyS0", List.of(ram(LINK, 0x3E21000), ram(0x30000000, 0x800000)));
        List<KexecSegment> k = kernel(img);
        long base = 0x5000000; // 0x4E21000 rounded up to 2 MiB
        assertThat(k.getFirst().destination()).isEqualTo(base);
        assertThat(k.get(1).destination()).isEqualTo(base + 0x400000);
        assertThat(purgatory.calls.getLast().kernelEntry()).isEqualTo(base + 0x40);
        for (KexecSegment s : img.segments()) {
            assertThat(s.destinationEnd() <= LINK || s.destination() >= LINK + 0x3E21000 || !s.what().startsWith("kernel"))
                    .as(s.what() + " clear of the running kernel").isTrue();
        }
    }

    @Test
    void clearOfTheRunningImageItStaysAtItsLinkAddress() {
        KexecImage img = plan(vmlinux(), "console=ttyS0", List.of(ram(0x20000000, 0x4000000)));
        assertThat(kernel(img).getFirst().destination()).isEqualTo(LINK);
        assertThat(purgatory.calls.getLast().kernelEntry()).isEqualTo(LINK + 0x40);
    }

    @Test
    void nokaslrKeepsTheLinkAddressOverTheRunningKernel() {
        KexecImage img = plan(vmlinux(), "console=ttyS0 nokaslr", List.of(ram(LINK, 0x4000000)));
        assertThat(kernel(img).getFirst().destination()).isEqualTo(LINK);
    }

    @Test
    void aFileNotLaidOutAsAnX86_64LinuxKernelIsNotMoved() {
        // identity-mapped (p_vaddr == p_paddr): not startup_64's layout, nothing says it runs elsewhere
        byte[] flat = ElfBuilder.elf64().load(LINK, new byte[0x3000], 0x300000).build();
        assertThat(kernel(plan(flat, "", List.of(ram(LINK, 0x4000000)))).getFirst().destination()).isEqualTo(LINK);
        // a text segment not 2 MiB aligned: __startup_64 would halt on its load delta
        ElfBuilder odd = ElfBuilder.elf64().load(MAP + LINK + 0x1000, LINK + 0x1000, new byte[0x3000], 0x3000);
        odd.entry = LINK + 0x1000;
        assertThat(kernel(plan(odd.build(), "", List.of(ram(LINK, 0x4000000)))).getFirst().destination()).isEqualTo(LINK + 0x1000);
    }

    @Test
    void withNoRoomClearOfTheRunningImageItGoesToItsLinkAddress() {
        // the running image covers all RAM from 16 MiB to 1 GiB but the top 1 MiB
        KexecImage img = plan(vmlinux(), "", List.of(ram(LINK, (1L << 30) - LINK - 0x100000)));
        assertThat(kernel(img).getFirst().destination()).isEqualTo(LINK);
    }

    @Test
    void nothingRunningMeansTheLinkAddress() {
        assertThat(kernel(plan(vmlinux(), "", List.of())).getFirst().destination()).isEqualTo(LINK);
    }

    @Test
    void theRuleIsTheLinuxLayoutCheck() {
        assertThat(new ElfKernel(dev.jkexec.image.elf.ElfParser.parse(java.lang.foreign.MemorySegment.ofArray(vmlinux())))
                .linkedAsLinuxX86_64()).isTrue();
    }
}
