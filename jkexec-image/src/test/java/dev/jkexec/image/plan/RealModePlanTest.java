package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.Arch;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.RealKernels;
import dev.jkexec.image.UnsupportedImageException;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.purgatory.PurgatoryParams;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.testing.NeedsTestData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The 16-bit entry: the kernel's own setup code at 0x90000, its header fields written in place. */
@NeedsTestData
class RealModePlanTest {
    @Test
    void setupCodeAt0x90000WithTheLoaderFieldsInItsHeader() {
        KexecPlannerTest.FakePurgatory purgatory = new KexecPlannerTest.FakePurgatory();
        byte[] kernel = RealKernels.generic();
        ImagePlan p = new KexecPlanner(purgatory).plan(PlanRequest.builder(kernel, Maps.guest1G())
                .entry(EntryMode.BIT16).commandLine("console=ttyS0").initrd(new byte[0x10000]).build());
        assertThat(p.image().arch()).isEqualTo(Arch.I386);
        assertThat(p.layout().protocol()).isEqualTo(BootProtocol.LINUX_16);
        KexecSegment setup = KexecPlannerTest.segment(p.image(), "setup16");
        assertThat(setup.destination()).isEqualTo(0x90000);
        assertThat(setup.destinationEnd()).isLessThanOrEqualTo(0x9A000);
        byte[] b = KexecPlannerTest.bytes(setup);
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        KexecSegment k = KexecPlannerTest.segment(p.image(), "kernel");
        KexecSegment initrd = KexecPlannerTest.segment(p.image(), "initrd");
        assertThat(k.destination()).isEqualTo(0x1000000); // bottom-up from pref_address
        assertThat(b[0x210] & 0xFF).isEqualTo(0xD0);                       // type_of_loader
        assertThat(b[0x211] & 0xFF).isEqualTo(0x81);                       // LOADED_HIGH | CAN_USE_HEAP
        assertThat(h.getShort(0x224) & 0xFFFF).isEqualTo(0x9600);          // heap_end_ptr = 0x9800 - 0x200
        assertThat(h.getInt(0x228)).isEqualTo(0x99800);                    // cmd_line_ptr after the heap
        assertThat(h.getInt(0x214)).isEqualTo((int) k.destination());      // code32_start
        assertThat(h.getInt(0x218)).isEqualTo((int) initrd.destination()); // ramdisk_image
        assertThat(h.getShort(0x1FA) & 0xFFFF).isEqualTo(0xFFFF);          // vid_mode normal
        assertThat(new String(b, 0x9800, 13)).isEqualTo("console=ttyS0");
        int kern16 = ((b[0x1F1] & 0xFF) + 1) * 512;
        // the setup code itself is the kernel's, byte for byte, outside the header
        assertThat(Arrays.copyOfRange(b, 0x26C, kern16)).isEqualTo(Arrays.copyOfRange(kernel, 0x26C, kern16));
        assertThat(Arrays.copyOfRange(b, 0, 0x1F1)).isEqualTo(Arrays.copyOfRange(kernel, 0, 0x1F1));
        PurgatoryParams pp = purgatory.calls.getLast();
        assertThat(pp.handoff()).isEqualTo(PurgatoryParams.Handoff.LINUX_REAL_MODE);
        assertThat(pp.kernelEntry()).isEqualTo(0x90200);
        assertThat(pp.zeroPage()).isEqualTo(0x90000);
        assertThat(pp.realModeStack()).isEqualTo(0x9800);
        assertThat(pp.loadAddress() + 0x2000).isLessThanOrEqualTo(0x90000L);
        assertThat(p.describe()).contains("Loaded real-mode setup at 0x90000, entered at 9020:0000");
    }

    @Test
    void notForElfDecompressedOrCrashKernels() {
        KexecPlanner planner = new KexecPlanner(new KexecPlannerTest.FakePurgatory());
        assertThatThrownBy(() -> planner.plan(PlanRequest.builder(RealKernels.cloudVmlinux(), Maps.guest1G())
                .entry(EntryMode.BIT16).build())).hasMessageContaining("the 16-bit entry needs a bzImage");
        assertThatThrownBy(() -> planner.plan(PlanRequest.builder(RealKernels.cloud(), Maps.guest1G())
                .entry(EntryMode.BIT16).decompress(true).build())).hasMessageContaining("16-bit entry needs a bzImage");
        assertThatThrownBy(() -> planner.plan(PlanRequest.builder(RealKernels.cloud(), Maps.guest1G()).entry(EntryMode.BIT16)
                .crash(new CrashEnvironment(Maps.crashRegion(1L << 30), List.of(), null, Maps.guest1G().ram())).build()))
                .isInstanceOf(UnsupportedImageException.class).hasMessageStartingWith("entry: unsupported: a crash image is not entered in real mode");
    }
}
