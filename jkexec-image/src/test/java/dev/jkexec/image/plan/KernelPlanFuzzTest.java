package dev.jkexec.image.plan;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: a hostile kernel file through the whole toolstack ({@link KexecPlanner#plan}, what
 * {@code jkexec plan} and every load run): format detection, the bzImage or ELF parser, and the
 * placement that trusts the header's {@code init_size}, {@code pref_address}, alignment and the
 * ELF's addresses. Beyond "only {@link ImageFormatException} or {@link PlacementException}" (never
 * the planner's own IllegalStateException of {@link SegmentRules}): a plan has at most 15 segments,
 * page aligned, not overlapping, each buffer no larger than its destination.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class KernelPlanFuzzTest {
    static final int MAX_INPUT = 64 << 10;
    static final KexecPlanner PLANNER = new KexecPlanner();

    @FuzzTest
    void plan(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, List.of(ImageFormatException.class, PlacementException.class), bytes -> {
            boolean entry32 = bytes.length > 0 && (bytes[bytes.length - 1] & 1) == 1;
            PlanRequest request = PlanRequest.builder(bytes, Maps.guest(256 * Maps.MIB))
                    .commandLine("console=ttyS0").entry(entry32 ? EntryMode.BIT32 : EntryMode.BIT64).build();
            KexecImage image = PLANNER.plan(request).image();
            List<KexecSegment> segs = image.segments();
            check(segs.size() <= KexecImage.MAX_SEGMENTS, segs.size() + " segments");
            for (int i = 0; i < segs.size(); i++) {
                KexecSegment s = segs.get(i);
                check(s.destination() % 4096 == 0 && s.destinationSize() % 4096 == 0, s.what() + " not page aligned");
                check(s.bufferSize() <= s.destinationSize(), s.what() + " buffer larger than its destination");
                for (int j = 0; j < i; j++) {
                    KexecSegment o = segs.get(j);
                    check(s.destinationEnd() <= o.destination() || o.destinationEnd() <= s.destination(),
                            s.what() + " overlaps " + o.what());
                }
            }
        });
    }
}
