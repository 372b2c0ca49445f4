package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.RealKernels;
import dev.jkexec.image.UnsupportedImageException;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.multiboot.MultibootHeader;
import dev.jkexec.image.multiboot.MultibootInfo;
import dev.jkexec.image.purgatory.PurgatoryParams;
import dev.jkexec.image.testing.Le;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsTestData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Multiboot kernels: a synthetic one with the address fields, and Debian's Xen 4.17 (ELF32, gzip). */
@NeedsTestData
class MultibootPlanTest {
    /** A 16 KiB flat kernel with its header at 0x40 and the address fields: loaded at 1 MiB, entry 1 MiB + 0x60. */
    static byte[] flatKernel(long flags) {
        byte[] b = new byte[0x4000];
        long f = flags | MultibootHeader.FLAG_ADDRESSES;
        Le.u32(b, 0x40, MultibootHeader.MAGIC);
        Le.u32(b, 0x44, f);
        Le.u32(b, 0x48, -(MultibootHeader.MAGIC + f));
        Le.u32(b, 0x4C, 0x100040);     // header_addr
        Le.u32(b, 0x50, 0x100000);     // load_addr
        Le.u32(b, 0x54, 0x104000);     // load_end_addr
        Le.u32(b, 0x58, 0x108000);     // bss_end_addr
        Le.u32(b, 0x5C, 0x100060);     // entry_addr
        return b;
    }

    static ImagePlan plan(byte[] kernel, String... modules) {
        PlanRequest.Builder r = PlanRequest.builder(kernel, Maps.guest1G()).commandLine("kernel console=com1");
        for (String m : modules) {
            r.module(MemorySegment.ofArray(new byte[0x2345]), m);
        }
        return new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(r.build());
    }

    /** Fuzzing finding 9: an ELF Multiboot kernel whose PT_LOADs are all empty was planned from nothing (NoSuchElementException). */
    @Test
    void an_elf_multiboot_kernel_without_pt_load_contents_is_refused_by_field() throws Exception {
        byte[] kernel;
        try (var in = MultibootPlanTest.class.getResourceAsStream(
                "KernelPlanFuzzTestInputs/plan/crash-54acd8846b42f2b2479e3f335d63b178dc198c53")) {
            kernel = in.readAllBytes();
        }
        assertThatThrownBy(() -> plan(kernel)).isInstanceOf(dev.jkexec.image.ImageFormatException.class)
                .hasMessageStartingWith("elf.e_phnum: no PT_LOAD with contents");
    }

    @Test
    void addressFieldsPlaceTheKernelAndModulesFollow() {
        KexecPlannerTest.FakePurgatory purgatory = new KexecPlannerTest.FakePurgatory();
        ImagePlan p = new KexecPlanner(purgatory).plan(PlanRequest.builder(flatKernel(0x3), Maps.guest1G())
                .commandLine("kernel console=com1").module(MemorySegment.ofArray(new byte[0x2345]), "mod0 a=1")
                .module(MemorySegment.ofArray(new byte[10]), "mod1").build());
        assertThat(p.image().arch()).isEqualTo(Arch.I386);
        assertThat(p.layout().protocol()).isEqualTo(BootProtocol.MULTIBOOT);
        KexecSegment kernel = KexecPlannerTest.segment(p.image(), "kernel");
        assertThat(kernel.destination()).isEqualTo(0x100000);
        assertThat(kernel.destinationSize()).isEqualTo(0x8000);   // to bss_end_addr
        assertThat(kernel.bufferSize()).isEqualTo(0x4000);
        PurgatoryParams params = purgatory.calls.getLast();
        assertThat(params.handoff()).isEqualTo(PurgatoryParams.Handoff.MULTIBOOT);
        assertThat(params.kernelEntry()).isEqualTo(0x100060);
        // modules page aligned, bottom-up right above the kernel; then the information structure
        KexecSegment info = p.image().segments().stream().filter(s -> s.what().equals("multiboot info")).findFirst().orElseThrow();
        assertThat(params.zeroPage()).isEqualTo(info.destination());
        byte[] memory = new byte[(int) info.destinationEnd()];
        MemorySegment.copy(info.buffer(), ValueLayout.JAVA_BYTE, 0, memory, (int) info.destination(), (int) info.bufferSize());
        MultibootInfo mbi = MultibootInfo.decode(MemorySegment.ofArray(memory), info.destination());
        assertThat(mbi.modules()).containsExactly(new MultibootInfo.Module(0x108000, 0x10A345, "mod0 a=1"),
                new MultibootInfo.Module(0x10B000, 0x10B00A, "mod1"));
        assertThat(mbi.commandLine()).isEqualTo("kernel console=com1");
        assertThat(mbi.bootLoaderName()).isEqualTo("jkexec");
        assertThat(mbi.memLower()).isEqualTo(Maps.MAILBOX >> 10); // the map's RAM from 0 ends at the mailbox page (636 KiB)
        assertThat(mbi.memUpper()).isEqualTo((1L << 30) - 0x100000 >> 10);
        assertThat(mbi.memoryMap()).isEqualTo(Maps.guest1G().ranges());
        assertThat(p.describe()).contains("Loaded Multiboot kernel at 0x100000, entry 0x100060", "Entry protocol: Multiboot v1");
    }

    @Test
    void requirementsJkexecCannotMeetAreRefused() {
        assertThatThrownBy(() -> plan(flatKernel(0x4))).isInstanceOf(UnsupportedImageException.class)
                .hasMessageStartingWith("multiboot.flags: unsupported: the kernel requires video mode information");
        assertThatThrownBy(() -> plan(flatKernel(0x8))).isInstanceOf(UnsupportedImageException.class)
                .hasMessageContaining("requires features 0x8");
    }

    @Test
    void onlyDefaultImagesAndOnlyModules() {
        PlanRequest crash = PlanRequest.builder(flatKernel(0x3), Maps.guest1G())
                .crash(new CrashEnvironment(Maps.crashRegion(1L << 30), List.of(), null, Maps.guest1G().ram())).build();
        assertThatThrownBy(() -> new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(crash))
                .hasMessageContaining("loaded as a default image only");
        assertThatThrownBy(() -> new KexecPlanner(new KexecPlannerTest.FakePurgatory())
                .plan(PlanRequest.builder(flatKernel(0x3), Maps.guest1G()).initrd(new byte[10]).build()))
                .hasMessageContaining("takes boot modules, not an initrd");
        assertThatThrownBy(() -> new KexecPlanner(new KexecPlannerTest.FakePurgatory())
                .plan(PlanRequest.builder(RealKernels.cloud(), Maps.guest1G()).module(MemorySegment.ofArray(new byte[1]), "x").build()))
                .hasMessageStartingWith("module: boot modules are for Multiboot kernels");
    }

    @Test
    void xenFromDebianGzippedElf32() {
        Optional<Path> xen = GuestAssets.fetched(GuestAssets.XEN_4_17);
        assumeTrue(xen.isPresent(), GuestAssets.fetchHint(GuestAssets.XEN_4_17));
        ImagePlan p = plan(RealKernels.read(xen.get()), "vmlinuz console=hvc0", "initrd.img");
        assertThat(p.layout().kernel()).isEqualTo("gzip-compressed file, Multiboot kernel, ELF32 EM_386");
        KexecSegment kernel = p.image().segments().stream().filter(s -> s.what().startsWith("kernel")).findFirst().orElseThrow();
        assertThat(kernel.destination()).isEqualTo(0x200000);
        assertThat(kernel.destinationSize()).isEqualTo(0x3a7000);
        assertThat(p.layout().kernelEntry()).isEqualTo(0x200000);
        assertThat(p.image().segments()).allMatch(s -> s.destinationEnd() <= 1L << 32);
        assertThat(p.image().type()).isEqualTo(ImageType.DEFAULT);
    }
}
