package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.testing.Pure;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Where the kernel goes, for every RAM size from 128 MiB to 4 GiB (a PC's map: 640 KiB, then 1 MiB
 * up to the PCI hole at 3.5 GiB, the rest above 4 GiB) and every entry mode (64, 32, 16), for a 32-bit kernel
 * shaped like Debian's 686 one and a 64-bit kernel shaped like the generic one:
 * <ul>
 *   <li>the kernel's init_size reservation starts at or above {@code max(1 MiB, pref_address)},
 *       aligned to {@code kernel_alignment}, inside RAM;</li>
 *   <li>32-bit entry: every segment below 4 GiB; a 32-bit kernel bottom-up at exactly
 *       {@code pref_address}, its reservation and its initrd inside its lowmem
 *       ({@link BzImageKernel#LOWMEM_32_END}) — the rule whose breaking triple-faulted the 686
 *       kernel at 1 GiB;</li>
 *   <li>16-bit entry: as 32-bit, with the setup code at 0x90000 and the purgatory below it;</li>
 *   <li>64-bit entry: top-down, the highest aligned fit under the kernel's limit.</li>
 * </ul>
 */
@Pure
class PlacementPropertyTest {
    static final long MIB = 1L << 20;
    static final long PCI_HOLE = 0xE000_0000L;
    static final long FOUR_GIB = 1L << 32;

    /** Debian 12's 686 kernel: XLF_EFI_HANDOVER_32 only, init_size 0x1018000, 16 MiB alignment, min_alignment 13. */
    static byte[] kernel686() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.xloadflags = 0x4;
        b.initSize = 0x1018000;
        b.kernelAlignment = 0x1000000;
        b.minAlignment = 13;
        b.initrdAddrMax = 0x7FFFFFFF;
        return b.build();
    }

    /** Debian 12's generic kernel: xloadflags 0x7f, init_size 0x3f98000, 2 MiB alignment. */
    static byte[] kernel64() {
        BzImageBuilder b = BzImageBuilder.modern();
        b.xloadflags = 0x7F;
        b.initSize = 0x3f98000;
        return b.build();
    }

    static MemoryMap pc(long ram) {
        List<MemoryRange> r = new ArrayList<>();
        r.add(new MemoryRange(0, 0x9F000, E820Type.RAM));
        r.add(new MemoryRange(0x9F000, 0x1000, E820Type.RESERVED));
        r.add(new MemoryRange(0xF0000, 0x10000, E820Type.RESERVED));
        long low = Math.min(ram, PCI_HOLE);
        r.add(new MemoryRange(0x100000, low - 0x100000, E820Type.RAM));
        if (ram > PCI_HOLE) {
            r.add(new MemoryRange(FOUR_GIB, ram - PCI_HOLE, E820Type.RAM));
        }
        return new MemoryMap(r);
    }

    @Provide
    Arbitrary<Long> ramSizes() {
        return Arbitraries.longs().between(128, 4096).map(m -> (m & ~1L) * MIB);
    }

    @Property(tries = 300)
    void kernelPlacementHonoursEachEntryModesLimits(@ForAll("ramSizes") long ram, @ForAll boolean kernelIs32,
                                                    @ForAll EntryMode wanted, @ForAll @IntRange(min = 0, max = 24) int initrdMib) {
        EntryMode mode = kernelIs32 && wanted == EntryMode.BIT64 ? EntryMode.BIT32 : wanted;
        byte[] k = kernelIs32 ? kernel686() : kernel64();
        MemoryMap map = pc(ram);
        KexecImage img = new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(PlanRequest.builder(k, map)
                .entry(mode).initrd(initrdMib == 0 ? null : new byte[initrdMib << 20]).commandLine("console=ttyS0").build()).image();
        KexecSegment kernel = KexecPlannerTest.segment(img, "kernel");
        long initSize = kernelIs32 ? 0x1018000 : 0x3f98000;
        long align = kernelIs32 ? 0x1000000 : 0x200000;
        assertThat(kernel.destination()).isGreaterThanOrEqualTo(0x1000000L);
        assertThat(kernel.destination() % align).isZero();
        assertThat(kernel.destinationSize()).isEqualTo(initSize);
        assertThat(map.covers(kernel.destination(), kernel.destinationSize(), E820Type.RAM)).isTrue();
        if (mode != EntryMode.BIT64) {
            assertThat(img.segments()).allMatch(s -> s.destinationEnd() <= FOUR_GIB);
            assertThat(kernel.destination()).as("bottom-up from pref_address").isEqualTo(0x1000000L);
        }
        if (mode == EntryMode.BIT16) {
            assertThat(KexecPlannerTest.segment(img, "setup16").destination()).isEqualTo(0x90000);
            assertThat(KexecPlannerTest.segment(img, "purgatory").destinationEnd()).isLessThanOrEqualTo(0x90000);
        }
        if (kernelIs32) {
            assertThat(kernel.destinationEnd()).isLessThanOrEqualTo(BzImageKernel.LOWMEM_32_END);
            if (initrdMib > 0) {
                assertThat(KexecPlannerTest.segment(img, "initrd").destinationEnd()).isLessThanOrEqualTo(BzImageKernel.LOWMEM_32_END);
            }
        }
        if (mode == EntryMode.BIT64) {
            // top-down: no aligned slot above the kernel fits (XLF_CAN_BE_LOADED_ABOVE_4G: no limit)
            long top = map.ram().getLast().end();
            assertThat(kernel.destination() + align + initSize > top || overlapsAnother(img, kernel.destination() + align, initSize))
                    .as("kernel at 0x%x is the highest fit below 0x%x", kernel.destination(), top).isTrue();
        }
    }

    private static boolean overlapsAnother(KexecImage img, long start, long size) {
        return img.segments().stream().filter(s -> !s.what().equals("kernel"))
                .anyMatch(s -> s.destination() < start + size && s.destinationEnd() > start);
    }
}
