package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.E820Type;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.testing.BzImageBuilder;
import dev.jkexec.platform.testing.Pure;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** On any memory map, a plan either fails with a typed error or satisfies every segment rule. */
@Pure
class PlanPropertyTest {
    static final byte[] KERNEL = BzImageBuilder.modern().build();

    @Property(tries = 200)
    void plansStayInRamAndNeverOverlap(@ForAll @Size(min = 1, max = 5) List<@IntRange(min = 1, max = 96) Integer> ramMib,
                                       @ForAll @Size(min = 1, max = 5) List<@IntRange(min = 0, max = 64) Integer> gapMib,
                                       @ForAll @IntRange(min = 0, max = 12 << 20) int initrdSize,
                                       @ForAll boolean entry32) {
        List<MemoryRange> ranges = new ArrayList<>();
        ranges.add(new MemoryRange(0, 0xA0000, E820Type.RAM));
        long at = 0x100000;
        for (int i = 0; i < ramMib.size(); i++) {
            at += gapMib.get(i % gapMib.size()) * (1L << 20);
            ranges.add(new MemoryRange(at, ramMib.get(i) * (1L << 20), E820Type.RAM));
            at += ramMib.get(i) * (1L << 20);
        }
        MemoryMap map = new MemoryMap(ranges);
        KexecImage img;
        try {
            img = new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(PlanRequest.builder(KERNEL, map)
                    .initrd(initrdSize == 0 ? null : new byte[initrdSize]).entry(entry32 ? EntryMode.BIT32 : EntryMode.BIT64).build()).image();
        } catch (PlacementException full) {
            return;
        }
        List<KexecSegment> segs = img.segments().stream().sorted(Comparator.comparingLong(KexecSegment::destination)).toList();
        assertThat(segs.size()).isBetween(3, 15);
        for (int i = 0; i < segs.size(); i++) {
            KexecSegment s = segs.get(i);
            assertThat(s.destination() % 4096).isZero();
            assertThat(s.destinationSize() % 4096).isZero();
            assertThat(s.bufferSize()).isLessThanOrEqualTo(s.destinationSize());
            assertThat(map.covers(s.destination(), s.destinationSize(), E820Type.RAM)).as(s.what()).isTrue();
            assertThat(s.destination() < 0x100000 && s.destinationEnd() > 0xA0000).isFalse();
            if (i > 0) {
                assertThat(segs.get(i - 1).destinationEnd()).isLessThanOrEqualTo(s.destination());
            }
        }
        assertThat(segs).anyMatch(s -> s.what().equals("purgatory") && s.destination() == img.entry());
    }
}
