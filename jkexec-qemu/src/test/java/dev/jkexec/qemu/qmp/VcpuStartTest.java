package dev.jkexec.qemu.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which commands count as possibly starting the vCPUs (the crash refresh is skipped only while none was sent). */
@Pure
class VcpuStartTest {
    @Test
    void contAndHmpsContinueAndGdbserverCount() {
        assertThat(VcpuStart.mayStart("cont", Map.of())).isTrue();
        assertThat(VcpuStart.mayStart("human-monitor-command", Map.of("command-line", "c"))).isTrue();
        assertThat(VcpuStart.mayStart("human-monitor-command", Map.of("command-line", "  CONT "))).isTrue();
        assertThat(VcpuStart.mayStart("human-monitor-command", Map.of("command-line", "gdbserver unix:/tmp/g"))).isTrue();
    }

    @Test
    void readingRegistersStoppingAndResettingDoNot() {
        assertThat(VcpuStart.mayStart("stop", Map.of())).isFalse();
        assertThat(VcpuStart.mayStart("system_reset", Map.of())).isFalse();
        assertThat(VcpuStart.mayStart("query-status", Map.of())).isFalse();
        assertThat(VcpuStart.mayStart("human-monitor-command", Map.of("command-line", "info registers -a"))).isFalse();
        assertThat(VcpuStart.mayStart("human-monitor-command", Map.of("command-line", "cpu 1"))).isFalse();
    }
}
