package dev.jkexec.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.bench.timeline.Stamp;
import dev.jkexec.bench.timeline.Timeline;
import dev.jkexec.platform.testing.Pure;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

@Pure
class BootTimelineTest {
    private static final Pattern READY = Pattern.compile("PB: INIT-READY gen=1");

    @Test
    void aProfiledRunGivesItsHostPhasesThenTheGuestsFromTheConsole() {
        Timeline t = new Timeline(List.of(
                new Stamp(0.9, "jkexec: TCG: forced"),
                new Stamp(1.0, "[    0.000000] Linux version 6.1.0-56-amd64"),
                new Stamp(3.0, "[    2.0] Run /init as init process"),
                new Stamp(3.2, "[    2.2] PB: INIT-READY gen=1"),
                new Stamp(3.3, "jkexec-profile:     300.0 ms  +  300.0  jvm: started, Main loaded"),
                new Stamp(3.3, "jkexec-profile:     800.5 ms  +  500.5  qemu: process spawned"),
                new Stamp(3.3, "jkexec-profile:     995.0 ms  +  194.5  kernel: banner"),
                new Stamp(3.3, "jkexec-profile:    3300.0 ms  + 2305.0  cli: done (exit status 0)")));
        BootTimeline b = new BootTimeline(BootTimeline.fromRun("jk", t, READY));
        assertThat(b.segments("jk")).extracting(BootTimeline.Segment::phase).containsExactly("jvm: started, Main loaded",
                "qemu: process spawned", "guest: kernel entered, to its banner", "guest: kernel init to Run /init", "guest: /init to its marker");
        BootTimeline.Segment qemu = b.segments("jk").get(1);
        assertThat(qemu.start()).isEqualTo(0.3);
        assertThat(qemu.end()).isEqualTo(0.8005);
        assertThat(qemu.group()).isEqualTo("qemu");
        assertThat(BootTimeline.parse(b.serialize())).isEqualTo(b);
    }

    @Test
    void aPeerRunWithoutProfileStartsWithQemu() {
        Timeline t = new Timeline(List.of(new Stamp(0.5, "[    0.000000] Linux version 6.1"), new Stamp(3.5, "PB: INIT-READY gen=1")));
        List<BootTimeline.Mark> marks = BootTimeline.fromRun("QEMU", t, READY);
        assertThat(marks).extracting(BootTimeline.Mark::phase).containsExactly("qemu: started, kernel entered, to its banner",
                "guest: /init to its marker");
    }

    @Test
    void aBadLineIsNamed() {
        assertThatThrownBy(() -> BootTimeline.parse("jk\t0.1\n")).hasMessageContaining("3 tab-separated fields");
    }
}
