package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.Fixtures.CRASH;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * When the firmware must refresh a crash image before its entry ({@link CrashRegionImage#refreshRanges}):
 * always, unless no guest instruction had executed when the image's write was over.
 */
@Pure
class CrashRefreshRuleTest {
    private final PhysicalMemory memory = Fixtures.memory();
    private final AtomicBoolean ran = new AtomicBoolean();
    private final Kexec kexec = new Kexec(Fixtures.config(), memory, ran::get);

    private List<PhysicalRange> refreshHandedOver() {
        List<PhysicalRange> seen = new ArrayList<>();
        kexec.exec(ImageType.CRASH, plan -> seen.addAll(plan.inPlaceRanges()));
        return seen;
    }

    @Test
    void anImageWrittenBeforeAnyVcpuRanIsNotRefreshed() {
        kexec.load(Fixtures.crashImage(1));
        ran.set(true); // the guest boots and runs after the load: its translations are of these bytes
        assertThat(refreshHandedOver()).isEmpty();
    }

    @Test
    void anImageWrittenAfterTheVcpusRanIsRefreshedOnItsNonZeroPages() {
        ran.set(true);
        KexecImage img = Fixtures.crashImage(2);
        kexec.load(img);
        assertThat(refreshHandedOver()).containsExactly(new PhysicalRange(CRASH.start(), 4 * Fixtures.PAGE),
                new PhysicalRange(CRASH.start() + 64 * Fixtures.PAGE, Fixtures.PAGE));
    }

    @Test
    void aReloadAfterTheVcpusRanIsRefreshedThoughTheFirstLoadWasNot() {
        kexec.load(Fixtures.crashImage(3));
        ran.set(true); // the guest may have executed in the region since: its translations predate the next write
        kexec.load(Fixtures.crashImage(4));
        assertThat(refreshHandedOver()).isNotEmpty();
    }

    @Test
    void theQuestionIsAskedOnlyOnceTheRegionIsWritten() {
        KexecImage img = Fixtures.crashImage(5);
        byte[] first = Fixtures.bytes(5, 16);
        List<Boolean> writtenWhenAsked = new ArrayList<>();
        Kexec asking = new Kexec(Fixtures.config(), memory, () -> {
            writtenWhenAsked.add(java.util.Arrays.equals(memory.read(CRASH.start(), 16), first));
            return false;
        });
        asking.load(img);
        assertThat(writtenWhenAsked).containsExactly(true);
    }

    @Test
    void aCoreThatCannotTellAlwaysRefreshes() {
        Kexec unknowing = Fixtures.kexec();
        unknowing.load(Fixtures.crashImage(6));
        List<PhysicalRange> seen = new ArrayList<>();
        unknowing.exec(ImageType.CRASH, plan -> seen.addAll(plan.inPlaceRanges()));
        assertThat(seen).isNotEmpty();
    }
}
