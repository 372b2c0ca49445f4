package dev.jkexec.machine.hypercall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.kexec.ImageDescriptor;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentBuffers;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a guest toolstack is told about a machine with RAM above 4 GiB: {@code memory_op
 * XENMEM_machine_memory_map} answers the split e820 (decoded here from the caller's buffer),
 * {@code sysctl physinfo} the pages and the highest frame, and the crash view keeps the RAM from
 * 4 GiB as RAM beside the crash region.
 */
@Pure
class SplitMachineHypercallsTest {
    static final long VA = 0x7f12_3400_0000L;
    static final MachineLayout LAYOUT = MachineLayout.defaults().withGuestRam(16L << 30);
    private final MemorySegment windowBytes = MemorySegment.ofArray(new byte[1 << 20]);
    private final HypercallWindow window = HypercallWindow.of(LAYOUT.hypercallWindow(), windowBytes);
    private final PhysicalMemory handles = window.handles(VA);
    private final Dom0Hypercalls calls = new Dom0Hypercalls(new KexecVerbs() {
        @Override
        public PhysicalRange getRange(int range, int nr) {
            throw new AssertionError("not asked");
        }

        @Override
        public void load(ImageDescriptor image, SegmentBuffers buffers) {
            throw new AssertionError("not asked");
        }

        @Override
        public void loadV1(int type, long indirectionPage, long entry, PhysicalMemory frames) {
            throw new AssertionError("not asked");
        }

        @Override
        public void unload(ImageType type) {
            throw new AssertionError("not asked");
        }

        @Override
        public boolean status(ImageType type) {
            throw new AssertionError("not asked");
        }

        @Override
        public void exec(ImageType type) {
            throw new AssertionError("not asked");
        }
    }, Hypercalls.facts(LAYOUT), s -> { });

    long call(long op, long... args) {
        Dom0Hypercalls.Outcome o = calls.call(DoorbellFrame.request(1, op, VA, false, 100, args), window);
        return o instanceof Dom0Hypercalls.Outcome.Returned r ? r.value() : Long.MIN_VALUE;
    }

    @Test
    void theMachineMemoryMapHasTheRamFrom4Gib() {
        handles.writeLong(VA + 0x100, 16L);
        handles.writeLong(VA + 0x108, VA + 0x1000);
        assertThat(call(XenHypercall.MEMORY_OP, XenHypercall.XENMEM_MACHINE_MEMORY_MAP, VA + 0x100)).isZero();
        List<MemoryRange> expected = LAYOUT.guestMemoryMap().ranges();
        assertThat(handles.readInt(VA + 0x100)).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            long at = VA + 0x1000 + 20L * i;
            assertThat(new MemoryRange(handles.readLong(at), handles.readLong(at + 8), E820Type.ofCode(handles.readInt(at + 16))))
                    .isEqualTo(expected.get(i));
        }
        assertThat(expected.getLast()).isEqualTo(new MemoryRange(PcPlatform.FOUR_GIB, LAYOUT.highGuestRam(), E820Type.RAM));
    }

    @Test
    void physinfoCountsTheGuestsPagesAndTheHighestFrameAbove4Gib() {
        Dom0Hypercalls.Facts f = Hypercalls.facts(LAYOUT);
        assertThat(f.totalPages()).isEqualTo((16L << 30) / 4096);
        assertThat(f.maxPage()).isEqualTo(LAYOUT.ramEnd() / 4096 - 1).isGreaterThan(PcPlatform.FOUR_GIB / 4096);
    }

    @Test
    void theCrashViewKeepsTheHighRamAndTheCrashRegionAsRam() {
        var view = Hypercalls.crashView(LAYOUT);
        assertThat(view.covers(LAYOUT.crashBase(), LAYOUT.crashSize(), E820Type.RAM)).isTrue();
        assertThat(view.covers(LAYOUT.hiddenBase(), LAYOUT.lowRamTop() - LAYOUT.hiddenBase(), E820Type.RESERVED)).isTrue();
        assertThat(view.covers(PcPlatform.FOUR_GIB, LAYOUT.highGuestRam(), E820Type.RAM)).isTrue();
    }
}
