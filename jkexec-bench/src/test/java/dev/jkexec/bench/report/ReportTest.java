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
            m.add(Systems.BOOT, Systems.QEMU_PVH_PC, Systems.BANNER, v);
            m.add(Systems.BOOT, Systems.QEMU_PVH_PC, Systems.INIT, v + 3.4);
            m.add(Systems.BOOT, Systems.QEMU_PVH_MICROVM, Systems.HUNG, v > 2.75 ? 1 : 0);
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
                .contains("| Boot | → banner | jkexec in-process, vmlinux | 0.320 | QEMU -M pc -kernel vmlinux (PVH) | 2.700 | 0.12× |")
                .contains("| in-process boot → banner ≤ 0.5× QEMU PVH, same vmlinux | jkexec in-process, vmlinux | "
                        + "QEMU -M pc -kernel vmlinux (PVH) | 0.119× | yes |")
                .contains("| `jkexec run` (CLI) → banner ≤ 0.8× QEMU PVH, same vmlinux | jkexec run (CLI), vmlinux | QEMU -M pc -kernel vmlinux (PVH) | not measured | – |")
                .contains("| 0 bytes of guest RAM reserved (MiB) (issue 6) | jkexec crash, bzImage | – | 0 MiB | yes |")
                .contains("QEMU -M microvm -kernel vmlinux (PVH): **1 of 3 runs hung**")
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
        assertThat(md).doesNotContain("## One boot, phase by phase");
    }

    @Test
    void aMissedTargetNamesItsLargestStep() {
        Measurements m = run();
        for (double v : List.of(0.30, 0.32, 0.35)) {
            m.add(Systems.BOOT, Systems.JK_CLI_VMLINUX, Systems.phase("QEMU started"), v);
            m.add(Systems.BOOT, Systems.JK_CLI_VMLINUX, Systems.BANNER, v + 2.5);
        }
        String md = new ReportWriter(info(), m, List.of(), Map.of()).write("performance.svg");
        assertThat(md).contains("| `jkexec run` (CLI) → banner ≤ 0.8× QEMU PVH, same vmlinux | jkexec run (CLI), vmlinux | "
                        + "QEMU -M pc -kernel vmlinux (PVH) | 1.044× | **no** |")
                .contains("the largest step is QEMU started → → banner, 2.500 s of 2.820 s")
                .contains("| relocation walk ≥ 0.8× a plain memory copy | JMH | memory copy | not measured in this run");
    }

    @Test
    void aMissedBannerTargetIsSetBesideTheKernelsOwnTime() {
        Measurements m = run();
        for (double v : List.of(0.30, 0.32, 0.35)) {
            m.add(Systems.BOOT, Systems.QEMU_PVH_MICROVM, Systems.BANNER, 0.5);
            m.add(Systems.BOOT, Systems.JK_CLI_VMLINUX, Systems.BANNER, v + 0.6);
        }
        String md = new ReportWriter(info(), m, List.of(), Map.of()).write("performance.svg");
        // in-process: 0.320 / 0.5 = 0.64× (missed); budget 0.25 s, the kernel's own 0.05 s (0.32 - 0.27).
        assertThat(md).contains("**What the kernel itself takes.**")
                .contains("in-process boot → banner ≤ 0.5× QEMU PVH, same vmlinux, jkexec in-process, vmlinux: budget 0.250 s "
                        + "(0.500× QEMU -M microvm -kernel vmlinux (PVH)), the kernel's own 0.0500 s, which leaves 0.200 s")
                .contains("(measured: 0.270 s)")
                // the CLI has no firmware marks: its kernel time is the in-process boot's; 0.8 × 0.5 = 0.4 s budget
                .contains("jkexec run (CLI), vmlinux: budget 0.400 s (0.800× QEMU -M microvm -kernel vmlinux (PVH)), "
                        + "the kernel's own 0.0500 s (on jkexec in-process, vmlinux)");
    }

    @Test
    void aBoundBelowTheKernelsOwnTimeLeavesNothing() {
        Measurements m = run();
        m.add(Systems.BOOT, Systems.QEMU_PVH_MICROVM, Systems.BANNER, 0.06);
        String md = new ReportWriter(info(), m, List.of(), Map.of()).write("performance.svg");
        assertThat(md).contains("budget 0.0300 s").contains("which leaves **nothing** (the bound is below the kernel's own time)");
    }

    @Test
    void theBootTimelineIsATableAndAWellFormedSvg() throws Exception {
        BootTimeline t = new BootTimeline(List.of(new BootTimeline.Mark("jk", 0.1, "jvm: started"), new BootTimeline.Mark("jk", 0.5, "qemu: spawned"),
                new BootTimeline.Mark("jk", 1.5, "guest: banner"), new BootTimeline.Mark("QEMU", 0.9, "qemu: to banner")));
        String md = new ReportWriter(info(), run(), List.of(), Map.of(), t).write("performance.svg");
        assertThat(md).contains("## One boot, phase by phase", "![per-phase timeline of one boot](boot-timeline.svg)",
                "| jk | ends at (s) | step (s) |", "| qemu: spawned | 0.500 | 0.400 |", "| guest: banner | 1.500 | 1.000 |");
        String svg = TimelineChart.render("t", "s", t);
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        // background, 3 + 1 segments, 3 legend keys (jvm, qemu, guest)
        assertThat(d.getElementsByTagName("rect").getLength()).isEqualTo(1 + 4 + 3);
    }

    @Test
    void svgIsWellFormedWithOneBarPerSystemAndMetric() throws Exception {
        String svg = SvgChart.render("title <&>", "sub", SvgChart.panels(run()));
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertThat(d.getDocumentElement().getTagName()).isEqualTo("svg");
        // background, two legend keys, two systems × two time metrics in the boot panel; reserved MiB and hangs are not drawn
        assertThat(d.getElementsByTagName("rect").getLength()).isEqualTo(1 + 2 + 4);
        assertThat(svg).contains("title &lt;&amp;&gt;", "Boot — seconds from start", SvgChart.PEER, SvgChart.JKEXEC)
                .doesNotContain("Crash");
    }

    @Test
    void theReadmeBlockIsReplacedBetweenItsMarkersOnly() {
        RunInfo i = info().put("mode", "quick").put("load average before", "7.1 6.0 4.2").put("load average after", "8.0 7.0 5.0");
        String block = new ReportWriter(i, run(), List.of(), Map.of()).readmeBlock();
        assertThat(block).contains("load average before/after: 7.1 6.0 4.2 / 8.0 7.0 5.0", "a shared, loaded host")
                .contains("| in-process boot → banner ≤ 0.5× QEMU PVH, same vmlinux (jkexec in-process, vmlinux) | 0.320 s | "
                        + "QEMU -M pc -kernel vmlinux (PVH): 2.700 s | 0.119× | yes |");
        String readme = "# x\n" + ReportWriter.README_BEGIN + "\nold figures\n" + ReportWriter.README_END + "\nrest\n";
        String after = ReportWriter.replaceReadmeBlock(readme, block);
        assertThat(after).startsWith("# x\n" + ReportWriter.README_BEGIN + "\n" + block).endsWith(ReportWriter.README_END + "\nrest\n")
                .doesNotContain("old figures");
        assertThat(ReportWriter.replaceReadmeBlock("no markers", block)).isEqualTo("no markers");
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
