package dev.jkexec.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

/** The markdown report and the SVG chart from a small hand-made run. */
@Pure
class ReportTest {
    static Measurements run() {
        Measurements m = new Measurements();
        for (double v : List.of(2.6, 2.7, 2.8)) {
            m.add(Systems.BOOT, Systems.QEMU_DIRECT, Systems.BANNER, v);
            m.add(Systems.BOOT, Systems.QEMU_DIRECT, Systems.INIT, v + 3.4);
        }
        for (double v : List.of(0.30, 0.32, 0.35)) {
            m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.phase("firmware: entering the image"), v - 0.05);
            m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.phase("exec returned (digest, staged, reset, cont)"), v - 0.15);
            m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.phase("firmware: page list walked"), v - 0.06);
            m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.BANNER, v);
            m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.INIT, v + 2.5);
            m.add(Systems.BOOT, Systems.JK_VMLINUX, Systems.KERNEL_INIT, 2.5);
        }
        m.add(Systems.CRASH, Systems.KDUMP, Systems.RESERVED, 256);
        m.add(Systems.CRASH, Systems.JK_CRASH, Systems.RESERVED, 0);
        return m;
    }

    static RunInfo info() {
        return new RunInfo().put("date", "today").put("machine", "2 cores, Test CPU").put("runs per system", "3")
                .put("command", "./jkexec-bench/run.sh");
    }

    @Test
    void markdownHasMachineHeadlineTargetsScenariosAndBreakdown() {
        String md = new ReportWriter(info(), run(), JmhResult.parse(JmhResultTest.JSON), Map.of()).write("performance.svg");
        assertThat(md).contains("# jkexec performance", "| machine | 2 cores, Test CPU |", "TCG", "![end-to-end medians")
                .contains("| Boot | → banner | jkexec in-process, vmlinux | 0.320 | QEMU -kernel (SeaBIOS) | 2.700 | 0.12× |")
                .contains("| boot → banner ≤ 0.1× QEMU's direct boot | jkexec in-process, vmlinux | 0.119× | **no** |")
                .contains("| boot → init ≤ 1.15× the kernel's own init time | jkexec in-process, vmlinux | 1.128× | yes |")
                .contains("| 0 bytes of guest RAM reserved (MiB) | jkexec crash, bzImage | 0 | yes |")
                .contains("| jkexec in-process, vmlinux | → banner | 0.320 | 0.300 | 0.350 | 3 | 0.12× |")
                .contains("| kdump (kexec -p; crashkernel=256M) | guest RAM reserved (MiB) | 256 |")
                .contains("## Micro benchmarks (JMH)", "| RelocationBench.walk imageMiB=64 | 7.000 | 0.400 | ms/op | 3 |")
                .contains("**Relocation walk vs memory copy.**");
        // Phases are listed in time order, and the largest step of a missed target is named.
        int exec = md.indexOf("| jkexec in-process, vmlinux | exec returned");
        int walked = md.indexOf("| jkexec in-process, vmlinux | firmware: page list walked");
        int entering = md.indexOf("| jkexec in-process, vmlinux | firmware: entering the image");
        assertThat(exec).isPositive().isLessThan(walked);
        assertThat(walked).isLessThan(entering);
        assertThat(md).contains("the largest step is origin → exec returned (digest, staged, reset, cont), 0.170 s of 0.320 s");
    }

    @Test
    void svgIsWellFormedWithOneBarPerSystemAndMetric() throws Exception {
        String svg = SvgChart.render("title <&>", "sub", SvgChart.panels(run()));
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
        // background, two legend keys, two systems × two time metrics in the boot panel; reserved MiB is not drawn
        assertThat(d.getElementsByTagName("rect").getLength()).isEqualTo(1 + 2 + 4);
        assertThat(svg).contains("title &lt;&amp;&gt;", "Boot — seconds from start", SvgChart.PEER, SvgChart.JKEXEC)
                .doesNotContain("Crash");
    }

    @Test
    void gridStepsAreRound() {
        assertThat(SvgChart.niceStep(2.8)).isEqualTo(1.0);
        assertThat(SvgChart.niceStep(0.35)).isEqualTo(0.1);
        assertThat(SvgChart.niceStep(7.9)).isEqualTo(2.0);
        assertThat(SvgChart.niceStep(0)).isEqualTo(1.0);
    }

    @Test
    void runInfoRoundTrips() {
        RunInfo back = RunInfo.parse(info().serialize());
        assertThat(back.all()).isEqualTo(info().all());
    }
}
