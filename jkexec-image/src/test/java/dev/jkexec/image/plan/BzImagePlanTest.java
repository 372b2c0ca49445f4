package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.SegmentRole;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

/** Synthetic bzImages exercising each placement rule of the boot protocol. */
@Pure
class BzImagePlanTest {
    static KexecImage plan(BzImageBuilder b, MemoryMap map, byte[] initrd, EntryMode mode, String cmdline) {
        return new KexecPlanner(new KexecPlannerTest.FakePurgatory())
                .plan(PlanRequest.builder(b.build(), map).initrd(initrd).entry(mode).commandLine(cmdline).build()).image();
    }

    static KexecImage plan(BzImageBuilder b, MemoryMap map, byte[] initrd) {
        return plan(b, map, initrd, EntryMode.BIT64, "");
    }

    @Test
    void theZeroPageIsTypedOnTheSetupSegmentAndIsItsDestination() {
        for (EntryMode mode : new EntryMode[] {EntryMode.BIT64, EntryMode.BIT32}) {
            ImagePlan p = new KexecPlanner(new KexecPlannerTest.FakePurgatory())
                    .plan(PlanRequest.builder(BzImageBuilder.modern().build(), Maps.guest1G()).entry(mode).commandLine("quiet").build());
            KexecSegment setup = KexecPlannerTest.segment(p.image(), "setup");
            assertThat(p.image().segments()).filteredOn(s -> s.role() == SegmentRole.ZERO_PAGE).containsExactly(setup);
            assertThat(setup.destination()).isEqualTo(p.layout().zeroPage());
        }
    }

    @Test
    void nonRelocatableKernelGoesToOneMegabyteAndReservesItsRuntimeRange() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.relocatable = 0;
        KexecSegment k = KexecPlannerTest.segment(plan(b, Maps.guest1G(), null), "kernel");
        assertThat(k.destination()).isEqualTo(0x100000);
        // it moves itself to pref_address (16 MiB) and needs init_size from there
        assertThat(k.destinationEnd()).isEqualTo(0x1000000 + 0x800000);
    }

    @Test
    void minimumIsPrefAddress() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.prefAddress = 0x3000000;
        MemoryMap map = MemoryMap.of(new MemoryRange(0x100000, 0x3600000, E820Type.RAM));
        // room for init_size 8 MiB only below pref_address: refused, not placed low
        assertThatThrownBy(() -> plan(b, map, null)).isInstanceOf(PlacementException.class).hasMessageContaining("[0x3000000,");
    }

    @Test
    void alignmentIsLoweredTowardMinAlignmentWhenNothingElseFits() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.initSize = 0x800000;
        b.minAlignment = 12;
        // RAM 0x1001000..0x1A02000: 10 MiB + 4 KiB, no 2 MiB aligned 8 MiB window, and purgatory/setup need low pages
        MemoryMap map = MemoryMap.of(new MemoryRange(0x4000, 0x10000, E820Type.RAM), new MemoryRange(0x1001000, 0x801000, E820Type.RAM));
        KexecSegment k = KexecPlannerTest.segment(plan(b, map, null), "kernel");
        assertThat(k.destination()).isEqualTo(0x1002000);
        b.minAlignment = 21;
        assertThatThrownBy(() -> plan(b, map, null)).isInstanceOf(PlacementException.class);
    }

    @Test
    void no64BitEntryWithoutXlfKernel64() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.xloadflags = 0;
        assertThatThrownBy(() -> plan(b, Maps.guest1G(), null)).isInstanceOf(ImageFormatException.class)
                .hasMessageStartingWith("setup_header.xloadflags: XLF_KERNEL_64 is clear");
        assertThat(plan(b, Maps.guest1G(), null, EntryMode.BIT32, "").arch()).isEqualTo(dev.jkexec.image.Arch.I386);
        BzImageBuilder old = BzImageBuilder.modern();
        old.version = 0x20A;
        assertThatThrownBy(() -> plan(old, Maps.guest1G(), null)).hasMessageContaining("XLF_KERNEL_64 is clear: protocol 2.10");
    }

    @Test
    void thirtyTwoBitKernelsStayInLowmem() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.xloadflags = 0; // a 32-bit kernel
        // bottom-up from pref_address, as kexec-tools' i386 loader: far below the lowmem end whatever the RAM
        KexecSegment k = KexecPlannerTest.segment(plan(b, Maps.guest1G(), null, EntryMode.BIT32, ""), "kernel");
        assertThat(k.destination()).isEqualTo(0x1000000L);
        assertThat(k.destinationEnd()).isEqualTo(0x1000000L + 0x800000);
        // with pref_address taken, the next aligned slot above it, never past the lowmem end
        b.prefAddress = 0x35E00000L;
        assertThatThrownBy(() -> plan(b, Maps.guest1G(), null, EntryMode.BIT32, ""))
                .hasMessageContaining("no room for 0x800000 bytes aligned to").hasMessageContaining(", 0x36000000)");
        b.prefAddress = 0x1000000;
        b.initrdAddrMax = 0x1FFFFFFF;
        KexecImage img = plan(b, Maps.guest1G(), new byte[0x5000], EntryMode.BIT32, "");
        assertThat(KexecPlannerTest.segment(img, "initrd").destinationEnd()).isEqualTo(0x20000000L);
    }

    @Test
    void zImagesAndPre202KernelsAreRefused() {
        BzImageBuilder z = BzImageBuilder.modern();
        z.loadflags = 0;
        assertThatThrownBy(() -> plan(z, Maps.guest1G(), null, EntryMode.BIT32, "")).hasMessageContaining("LOADED_HIGH is clear");
        BzImageBuilder old = BzImageBuilder.modern();
        old.version = 0x201;
        assertThatThrownBy(() -> plan(old, Maps.guest1G(), null, EntryMode.BIT32, "")).hasMessageContaining("has no cmd_line_ptr");
    }

    @Test
    void oldProtocolLimitsInitrdAndCommandLine() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.version = 0x202;
        b.relocatable = 0;
        MemoryMap map = Maps.guest(0x60000000L);
        KexecImage img = plan(b, map, new byte[0x5000], EntryMode.BIT32, "c".repeat(255));
        KexecSegment initrd = KexecPlannerTest.segment(img, "initrd");
        // a 32-bit kernel's initrd stays in its lowmem, below kexec-tools' 0x37FFFFFF cap
        assertThat(initrd.destinationEnd()).isEqualTo(0x36000000L);
        assertThatThrownBy(() -> plan(b, map, null, EntryMode.BIT32, "c".repeat(256)))
                .hasMessageContaining("command line of 256 bytes exceeds the kernel's cmdline_size of 255 bytes");
    }

    @Test
    void initrdAddrMaxIsInclusive() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.xloadflags = 0x1; // no ABOVE_4G: initrd_addr_max applies
        b.initrdAddrMax = 0x2FFFFFFF;
        KexecSegment initrd = KexecPlannerTest.segment(plan(b, Maps.guest1G(), new byte[0x3000]), "initrd");
        assertThat(initrd.destinationEnd()).isEqualTo(0x30000000L);
    }

    @Test
    void initrdFallsBelowSixteenMegabytesOnlyWhenItMust() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.initSize = 0x200000;
        MemoryMap map = MemoryMap.of(new MemoryRange(0, 0xA0000, E820Type.RAM), new MemoryRange(0x100000, 0x1300000, E820Type.RAM));
        KexecImage img = plan(b, map, new byte[0x400000]);
        KexecSegment kernel = KexecPlannerTest.segment(img, "kernel");
        KexecSegment initrd = KexecPlannerTest.segment(img, "initrd");
        assertThat(kernel.destination()).isEqualTo(0x1200000);
        // 16 MiB up only 2 MiB are free: the initrd goes as high as it can below the kernel
        assertThat(initrd.destination()).isEqualTo(0xE00000);
        assertThat(initrd.destinationEnd()).isEqualTo(kernel.destination());
    }

    @Test
    void aboveFourGigabytesWithXlfCanBeLoadedAbove4G() {
        MemoryMap map = MemoryMap.of(new MemoryRange(0, 0xA0000, E820Type.RAM), new MemoryRange(0x100000, 0x7FF00000L, E820Type.RAM),
                new MemoryRange(0x1_0000_0000L, 0x4000_0000L, E820Type.RAM));
        KexecImage img = plan(BzImageBuilder.modern(), map, new byte[0x3000]);
        KexecSegment initrd = KexecPlannerTest.segment(img, "initrd");
        KexecSegment setup = KexecPlannerTest.segment(img, "setup");
        KexecSegment kernel = KexecPlannerTest.segment(img, "kernel");
        assertThat(kernel.destination()).isGreaterThan(0x1_0000_0000L);
        assertThat(initrd.destination()).isGreaterThan(0x1_0000_0000L);
        assertThat(setup.destination()).isGreaterThan(0x1_0000_0000L);
        assertThat(KexecPlannerTest.segment(img, "purgatory").destinationEnd()).isLessThanOrEqualTo(0x1_0000_0000L);
        ZeroPage z = ZeroPage.view(KexecPlannerTest.bytes(setup));
        assertThat(z.u32(ZeroPage.EXT_RAMDISK_IMAGE)).isEqualTo(1);
        assertThat(z.ramdiskImage()).isEqualTo(initrd.destination());
        assertThat(z.u32(ZeroPage.EXT_CMD_LINE_PTR)).isEqualTo(1);

        BzImageBuilder low = BzImageBuilder.modern();
        low.xloadflags = 0x1;
        KexecImage lowImg = plan(low, map, new byte[0x3000]);
        assertThat(lowImg.segments()).allMatch(s -> s.destinationEnd() <= 0x1_0000_0000L);
    }
}
