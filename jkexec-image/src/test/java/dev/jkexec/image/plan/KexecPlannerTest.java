package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.RealKernels;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.purgatory.Purgatory;
import dev.jkexec.image.purgatory.PurgatoryParams;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.testing.NeedsTestData;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The planner on the real generic kernel and a 1 GiB guest: the layout kexec-tools would choose. */
@NeedsTestData
class KexecPlannerTest {
    static final long GIB = 1L << 30;
    static final byte[] INITRD = initrd(0x9dde7e);
    static final String CMDLINE = "console=ttyS0,115200 pb.mode=ready";

    static byte[] initrd(int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 0x42);
        return b;
    }

    /** Records what the planner asked the purgatory generator for, and returns 100 bytes. */
    static final class FakePurgatory implements java.util.function.Function<PurgatoryParams, byte[]> {
        final List<PurgatoryParams> calls = new ArrayList<>();

        @Override
        public byte[] apply(PurgatoryParams p) {
            calls.add(p);
            byte[] b = new byte[100];
            Arrays.fill(b, (byte) 0xCC);
            return b;
        }
    }

    static byte[] bytes(KexecSegment s) {
        return s.buffer().toArray(ValueLayout.JAVA_BYTE);
    }

    static KexecSegment segment(KexecImage img, String what) {
        return img.segments().stream().filter(s -> s.what().equals(what)).findFirst().orElseThrow();
    }

    @Test
    void genericKernelOnA1GiBGuest() {
        FakePurgatory purgatory = new FakePurgatory();
        ImagePlan plan = new KexecPlanner(purgatory).plan(PlanRequest.builder(RealKernels.generic(), Maps.guest1G())
                .initrd(INITRD).commandLine(CMDLINE).build());
        KexecImage img = plan.image();
        assertThat(img.type()).isEqualTo(ImageType.DEFAULT);
        assertThat(img.arch()).isEqualTo(Arch.X86_64);
        assertThat(img.segments()).extracting(KexecSegment::what).containsExactly("initrd", "kernel", "purgatory", "setup");
        assertThat(img.segments()).isSortedAccordingTo(java.util.Comparator.comparingLong(KexecSegment::destination));

        // Kernel: top-down, 2 MiB aligned, init_size reserved: the address kexec-tools chose on this guest.
        KexecSegment kernel = segment(img, "kernel");
        assertThat(kernel.destination()).isEqualTo(0x3C000000L);
        assertThat(kernel.destinationSize()).isEqualTo(0x3f98000L);
        assertThat(kernel.bufferSize()).isEqualTo(RealKernels.generic().length - 40 * 512);
        assertThat(bytes(kernel)).isEqualTo(Arrays.copyOfRange(RealKernels.generic(), 40 * 512, RealKernels.generic().length));

        // Initrd: top-down below the kernel, page aligned.
        KexecSegment initrd = segment(img, "initrd");
        assertThat(initrd.destination()).isEqualTo(0x3C000000L - 0x9de000L);
        assertThat(initrd.destinationSize()).isEqualTo(0x9de000L);
        assertThat(initrd.bufferSize()).isEqualTo(0x9dde7eL);

        // Setup and purgatory: the highest free pages of RAM, above the kernel's init_size.
        KexecSegment setup = segment(img, "setup");
        KexecSegment purg = segment(img, "purgatory");
        assertThat(setup.destination()).isEqualTo(GIB - 0x2000);
        assertThat(purg.destination()).isEqualTo(GIB - 0x4000);
        assertThat(purg.destinationSize()).isEqualTo(Purgatory.SIZE);
        assertThat(purg.bufferSize()).isEqualTo(100);
        assertThat(img.entry()).isEqualTo(purg.destination());

        PurgatoryParams p = purgatory.calls.getLast();
        assertThat(p).isEqualTo(PurgatoryParams.of(Arch.X86_64, GIB - 0x4000, 0x3C000200L, GIB - 0x2000));

        // The zero page, decoded.
        byte[] s = bytes(setup);
        ZeroPage z = ZeroPage.view(s);
        assertThat(z.sentinel()).isZero();
        assertThat(z.typeOfLoader()).isEqualTo(0xD0);
        assertThat(z.loadFlags()).isZero();
        assertThat(z.commandLinePointer()).isEqualTo(setup.destination() + 4096);
        assertThat(new String(s, 4096, CMDLINE.length(), StandardCharsets.US_ASCII)).isEqualTo(CMDLINE);
        assertThat(s[4096 + CMDLINE.length()]).isZero();
        assertThat(s).hasSize(4096 + CMDLINE.length() + 1);
        assertThat(z.ramdiskImage()).isEqualTo(initrd.destination());
        assertThat(z.ramdiskSize()).isEqualTo(0x9dde7e);
        assertThat(z.e820()).isEqualTo(Maps.guest1G().ranges());
        assertThat(z.setupData()).isZero();
        assertThat(z.acpiRsdpAddr()).isZero();
        // header bytes other than the loader's fields are the kernel's
        byte[] k = RealKernels.generic();
        assertThat(Arrays.copyOfRange(s, 0x1F1, 0x210)).isEqualTo(Arrays.copyOfRange(k, 0x1F1, 0x210));
        assertThat(Arrays.copyOfRange(s, 0x22C, 0x26C)).isEqualTo(Arrays.copyOfRange(k, 0x22C, 0x26C));

        ImageLayout l = plan.layout();
        assertThat(l.kernelLoad()).isEqualTo(0x3C000000L);
        assertThat(l.kernelEntry()).isEqualTo(0x3C000200L);
        assertThat(l.kernel()).isEqualTo("bzImage, protocol 2.15, xz payload");
        assertThat(img.plannedFor()).isEqualTo(Maps.guest1G());
        assertThat(plan.describe()).contains("Loaded 64bit kernel at 0x3c000000", "segment[1].what  = kernel",
                "segment[1].memsz = 0x3f98000", "0000000000100000-000000003fffffff (1)", "cmd_line_ptr       bp+0x228 = 0x3ffff000");
    }

    @Test
    void thirtyTwoBitEntry() {
        FakePurgatory purgatory = new FakePurgatory();
        ImagePlan plan = new KexecPlanner(purgatory).plan(PlanRequest.builder(RealKernels.generic(), Maps.guest1G())
                .entry(EntryMode.BIT32).initrd(INITRD).build());
        assertThat(plan.image().arch()).isEqualTo(Arch.I386);
        // the 32-bit entry places bottom-up from pref_address, as kexec-tools' i386 loader; entry = load address
        KexecSegment kernel = segment(plan.image(), "kernel");
        assertThat(kernel.destination()).isEqualTo(0x1000000L);
        assertThat(purgatory.calls.getLast().kernelEntry()).isEqualTo(0x1000000L);
        assertThat(purgatory.calls.getLast().arch()).isEqualTo(Arch.I386);
        assertThat(ZeroPage.view(bytes(segment(plan.image(), "setup"))).loadFlags()).isEqualTo(1);
        assertThat(plan.image().segments()).allMatch(seg -> seg.destinationEnd() <= 1L << 32);
    }

    @Test
    void cloudKernel() {
        ImagePlan plan = new KexecPlanner(new FakePurgatory()).plan(PlanRequest.builder(RealKernels.cloud(), Maps.guest1G()).build());
        KexecSegment kernel = segment(plan.image(), "kernel");
        assertThat(kernel.destinationSize()).isEqualTo(0x3378000L);
        assertThat(kernel.destination()).isEqualTo((GIB - 0x3378000L) & -0x200000L);
        assertThat(plan.layout().kernel()).isEqualTo("bzImage, protocol 2.15, lz4 payload");
        assertThat(plan.image().segments()).hasSize(3);
    }

    @Test
    void acpiRsdpIsWritten() {
        ImagePlan plan = new KexecPlanner(new FakePurgatory()).plan(PlanRequest.builder(RealKernels.generic(), Maps.guest1G())
                .acpiRsdp(0x50204000L).build());
        assertThat(ZeroPage.view(bytes(segment(plan.image(), "setup"))).acpiRsdpAddr()).isEqualTo(0x50204000L);
        assertThat(plan.layout().zeroPageFields()).anyMatch(f -> f.name().equals("acpi_rsdp_addr"));
    }

    @Test
    void layoutWithoutAPurgatoryGenerator() {
        ImageLayout l = new KexecPlanner(p -> {
            throw new UnsupportedOperationException("not yet");
        }).layout(PlanRequest.builder(RealKernels.generic(), Maps.guest1G()).build());
        assertThat(l.segments()).extracting(PlannedSegment::what).containsExactly("kernel", "purgatory", "setup");
        assertThat(l.segments().get(1).buffer()).isNull();
        assertThat(l.describe(null)).contains("segment[1].bufsz = (purgatory not generated)");
    }

    @Test
    void commandLineAtTheKernelsLimit() {
        KexecPlanner planner = new KexecPlanner(new FakePurgatory());
        ImagePlan ok = planner.plan(PlanRequest.builder(RealKernels.generic(), Maps.guest1G()).commandLine("a".repeat(2047)).build());
        assertThat(segment(ok.image(), "setup").bufferSize()).isEqualTo(4096 + 2048);
        assertThatThrownBy(() -> planner.plan(PlanRequest.builder(RealKernels.generic(), Maps.guest1G()).commandLine("a".repeat(2048)).build()))
                .isInstanceOf(ImageFormatException.class)
                .hasMessageContaining("setup_header.cmdline_size: command line of 2048 bytes exceeds the kernel's cmdline_size of 2047");
    }

    @Test
    void tooLittleRamForInitSize() {
        MemoryMap small = Maps.guest(64L << 20);
        assertThatThrownBy(() -> new KexecPlanner(new FakePurgatory()).plan(PlanRequest.builder(RealKernels.generic(), small).build()))
                .isInstanceOf(PlacementException.class)
                .satisfies(e -> assertThat(((PlacementException) e).what()).isEqualTo("kernel"))
                .hasMessageContaining("no room for 0x3f98000 bytes aligned to 0x200000 in [0x1000000,");
    }

    @Test
    void notAKernel() {
        byte[] junk = "#!/bin/sh\necho hello\n".getBytes();
        assertThatThrownBy(() -> new KexecPlanner(new FakePurgatory()).plan(PlanRequest.builder(junk, Maps.guest1G()).build()))
                .isInstanceOf(ImageFormatException.class)
                .hasMessageStartingWith("kernel.format: neither a bzImage (boot_flag 0xaa55 at 0x1fe), a Multiboot kernel");
    }

    @Test
    void crashRequestsNeedTheirEnvironment() {
        assertThatThrownBy(() -> new PlanRequest(MemorySegment.ofArray(new byte[1]), null, "", Maps.guest1G(), ImageType.CRASH,
                EntryMode.BIT64, null, null, false)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void e820BeyondTheZeroPageGoesToSetupData() {
        List<MemoryRange> ranges = new ArrayList<>(Maps.guest1G().ranges());
        // 140 small reserved holes above the guest's reserved ranges
        for (int i = 0; i < 140; i++) {
            ranges.add(new MemoryRange(0x1_0000_0000L + i * 0x2000L, 0x1000, E820Type.NVS));
        }
        MemoryMap map = new MemoryMap(ranges);
        ImagePlan plan = new KexecPlanner(new FakePurgatory()).plan(PlanRequest.builder(RealKernels.generic(), map).commandLine("x").build());
        KexecSegment setup = segment(plan.image(), "setup");
        byte[] s = bytes(setup);
        ZeroPage z = ZeroPage.view(s);
        assertThat(z.e820Count()).isEqualTo(128);
        long node = z.setupData();
        assertThat(node).isBetween(setup.destination() + 4096 + 2, setup.destination() + s.length - 16);
        assertThat(node % 16).isZero();
        int at = (int) (node - setup.destination());
        assertThat(dev.jkexec.image.boot.SetupData.nextOf(s, at)).isZero();
        dev.jkexec.image.boot.SetupData ext = dev.jkexec.image.boot.SetupData.readFrom(s, at);
        assertThat(ext.type()).isEqualTo(dev.jkexec.image.boot.SetupData.SETUP_E820_EXT);
        List<MemoryRange> all = new ArrayList<>(z.e820());
        all.addAll(dev.jkexec.image.boot.E820Table.decode(ext.data()));
        assertThat(all).isEqualTo(map.ranges());
    }
}
