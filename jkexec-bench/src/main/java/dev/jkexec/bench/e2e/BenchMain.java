package dev.jkexec.bench.e2e;

import dev.jkexec.bench.dumps.DumpBench;
import dev.jkexec.bench.guest.BenchInitramfs;
import dev.jkexec.bench.report.BootTimeline;
import dev.jkexec.bench.report.Systems;
import dev.jkexec.bench.report.TimelineChart;
import dev.jkexec.bench.guest.KexecTools;
import dev.jkexec.bench.report.JmhResult;
import dev.jkexec.bench.report.Measurements;
import dev.jkexec.bench.report.ReportWriter;
import dev.jkexec.bench.report.RunInfo;
import dev.jkexec.bench.report.SvgChart;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.image.bzimage.BzImage;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The benchmark harness: micro benchmarks (JMH, in forked JVMs), then every end-to-end scenario
 * against its peer in the same run, then {@code docs/performance.md} and {@code performance.svg}.
 * Run through {@code jkexec-bench/run.sh}, which builds first. See {@link BenchOptions} for the
 * arguments.
 *
 * <p>Runs of a scenario are interleaved (peer, then each jkexec system, then the next run), so a
 * slow minute on a shared machine hits every system alike. A run that fails is retried once and
 * counted; its log stays in the work directory. After every run the harness checks that no child
 * process is left and kills any that is.
 */
public final class BenchMain {
    private final BenchOptions opts;
    private final RunInfo info = new RunInfo();
    private final Measurements m = new Measurements();
    private int failures;
    private int orphans;

    private BenchMain(BenchOptions opts) {
        this.opts = opts;
    }

    public static void main(String[] args) throws Exception {
        BenchOptions opts;
        try {
            opts = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        Files.createDirectories(opts.work());
        Files.createDirectories(opts.out());
        BenchMain b = new BenchMain(opts);
        if (!opts.reportOnly()) {
            b.measure();
        }
        writeReport(opts);
        System.exit(0);
    }

    private void measure() throws Exception {
        long t0 = System.nanoTime();
        Files.deleteIfExists(opts.work().resolve("timeline.tsv")); // a run without boot has no timeline
        facts();
        Path jmhJson = opts.work().resolve("jmh.json");
        if (!opts.jmh().equals("skip")) {
            runJmh(jmhJson);
        }
        BenchContext ctx = prepare();
        PeerRuns peer = new PeerRuns(ctx);
        Path dumps = Files.createDirectories(opts.work().resolve("dumps"));
        JkexecRuns jk = new JkexecRuns(ctx, dumps);
        CliRuns cli = new CliRuns(ctx);
        // In-process numbers are of a warm JVM, as a long-running hypervisor's are: one boot first, not recorded.
        attempt("warm-up", 1, "jkexec in-process boot (not recorded)", () -> jk.boot(new Measurements(), 0, JkexecRuns.Form.VMLINUX));
        attempt("warm-up", 1, "jkexec launcher (trains its AOT cache once per build; not recorded)", cli::warmUp);
        int n = opts.runs();
        for (int run = 1; run <= n; run++) {
            final int r = run;
            if (opts.only().contains("boot")) {
                attempt("boot", r, "QEMU -kernel bzImage (SeaBIOS)", () -> peer.boot(m, r));
                attempt("boot", r, "QEMU PVH pc", () -> peer.bootPvh(m, r, false));
                attempt("boot", r, "QEMU PVH microvm", () -> peer.bootPvh(m, r, true));
                attempt("boot", r, "jkexec bzImage", () -> jk.boot(m, r, JkexecRuns.Form.BZIMAGE));
                attempt("boot", r, "jkexec vmlinux", () -> jk.boot(m, r, JkexecRuns.Form.VMLINUX));
                attempt("boot", r, "jkexec decompressed", () -> jk.boot(m, r, JkexecRuns.Form.DECOMPRESSED));
                for (CliRuns.CliForm f : CliRuns.CliForm.values()) {
                    attempt("boot", r, f.system, () -> cli.boot(m, r, f, false));
                }
            }
        }
        if (opts.only().contains("boot")) {
            attempt("boot", 1, "per-phase timeline (JKEXEC_PROFILE=1 run; QEMU PVH pc)", () -> {
                List<BootTimeline.Mark> marks = new ArrayList<>(BootTimeline.fromRun(Systems.JK_CLI_VMLINUX,
                        cli.boot(new Measurements(), 0, CliRuns.CliForm.VMLINUX, true), Patterns.ready(1)));
                marks.addAll(BootTimeline.fromRun(Systems.QEMU_PVH_PC, peer.bootPvh(new Measurements(), 0, false), Patterns.ready(1)));
                new BootTimeline(marks).write(opts.work().resolve("timeline.tsv"));
            });
        }
        for (int run = 1; run <= n; run++) {
            final int r = run;
            if (opts.only().contains("exec")) {
                for (PeerRuns.KernelForm f : PeerRuns.KernelForm.values()) {
                    attempt("exec", r, f.execSystem, () -> peer.exec(m, r, f));
                }
                attempt("exec", r, "jkexec bzImage", () -> jk.exec(m, r, JkexecRuns.Form.BZIMAGE));
                attempt("exec", r, "jkexec vmlinux", () -> jk.exec(m, r, JkexecRuns.Form.VMLINUX));
                attempt("exec", r, "jkexec decompressed", () -> jk.exec(m, r, JkexecRuns.Form.DECOMPRESSED));
            }
        }
        for (int run = 1; run <= n; run++) {
            final int r = run;
            if (opts.only().contains("crash")) {
                for (PeerRuns.KernelForm f : List.of(PeerRuns.KernelForm.BZIMAGE, PeerRuns.KernelForm.ELF_I)) {
                    attempt("crash", r, f.crashSystem, () -> peer.crash(m, r, f));
                }
                attempt("crash", r, "jkexec", () -> jk.crash(m, r, JkexecRuns.Form.BZIMAGE));
                attempt("crash", r, "jkexec decompressed", () -> jk.crash(m, r, JkexecRuns.Form.DECOMPRESSED));
            }
        }
        for (int run = 1; run <= n; run++) {
            final int r = run;
            if (opts.only().contains("load")) {
                attempt("load", r, "kexec -l", () -> peer.load(m, r));
                attempt("load", r, "jkexec Machine.load", () -> jk.load(m, r));
                attempt("load", r, "jkexec plan CLI", () -> cli.plan(m, r));
                if (r == 1) {
                    cli.jvmStart(m, dev.jkexec.bench.report.Systems.LOAD, dev.jkexec.bench.report.Systems.JK_PLAN_CLI);
                }
            }
        }
        if (opts.only().contains("dump")) {
            for (int run = 1; run <= opts.dumpRuns(); run++) {
                final int r = run;
                attempt("dump", r, "jkexec dump and QEMU dump-guest-memory of one panicked guest", () -> DumpBench.measure(dumps, m));
            }
        }
        info.put("load average after", HostFacts.loadAverage());
        info.put("failed runs (retried once)", Integer.toString(failures));
        info.put("orphan processes found after runs", Integer.toString(orphans));
        info.put("wall time of the benchmark", String.format("%.1f min", (System.nanoTime() - t0) / 60e9));
        m.write(opts.work().resolve("e2e.tsv"));
        info.write(opts.work().resolve("runinfo.tsv"));
    }

    private void facts() {
        info.put("date", ZonedDateTime.now().format(DateTimeFormatter.RFC_1123_DATE_TIME));
        info.put("command", "./jkexec-bench/run.sh" + (opts.quick() ? " --quick" : ""));
        info.put("mode", opts.quick() ? "quick (for trying it; not the published numbers)" : "full");
        info.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + HostFacts.cpuModel() + ", " + HostFacts.memory() + " RAM");
        info.put("accelerator", "TCG (software emulation) for every system: /dev/kvm here is a software PVM that cannot run stock kernels");
        info.put("QEMU", HostFacts.qemuVersion());
        info.put("JDK", "Java " + Runtime.version());
        info.put("runs per system", Integer.toString(opts.runs()));
        info.put("load average before", HostFacts.loadAverage());
        info.put("dump runs", Integer.toString(opts.dumpRuns()));
        info.put("busiest processes at start (ps %CPU)", HostFacts.busyProcesses());
        info.put("command line", BenchContext.CONSOLE);
        info.put("jmh settings", switch (opts.jmh()) {
            case "full" -> "5 warmup + 10 measurement iterations of 1 s, 1 fork";
            case "quick" -> "2 warmup + 3 measurement iterations of 1 s, 1 fork (quick mode)";
            case "reloc" -> "the relocation walk and a memory copy only, 1 warmup + 2 measurement iterations of 1 s, 1 fork (quick mode)";
            default -> "not run in this invocation (results of an earlier run, if any)";
        });
    }

    private void runJmh(Path json) throws IOException, InterruptedException {
        Path jar = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        List<String> cmd = new ArrayList<>(List.of(System.getProperty("java.home") + "/bin/java",
                "--sun-misc-unsafe-memory-access=allow",
                "-Djkexec.root=" + opts.root(), "-jar", jar.toString(), opts.jmhInclude()));
        cmd.addAll(opts.jmhArgs());
        cmd.addAll(List.of("-rf", "json", "-rff", json.toString()));
        log("JMH: " + String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).directory(opts.root().toFile()).redirectErrorStream(true)
                .redirectOutput(opts.work().resolve("jmh.log").toFile()).start();
        try {
            int rc = p.waitFor();
            if (rc != 0) {
                throw new IllegalStateException("JMH exited " + rc + "; see " + opts.work().resolve("jmh.log"));
            }
        } finally {
            p.destroyForcibly();
        }
        log("JMH done");
    }

    private BenchContext prepare() throws IOException {
        Path work = opts.work();
        Path generic = GuestAssets.genericKernel();
        byte[] bz = Files.readAllBytes(generic);
        BzImage image = BzImage.parse(MemorySegment.ofArray(bz));
        info.put("kernel", image.kernelVersion().split(" ")[0] + " (Debian " + generic.getFileName() + ", "
                + image.compression() + " bzImage, " + bz.length + " bytes)");
        Path vmlinux = work.resolve("vmlinux-" + generic.getFileName() + ".elf");
        if (!Files.isRegularFile(vmlinux)) {
            Files.write(vmlinux, image.decompress());
        }
        info.put("payload bytes generic", Long.toString(Files.size(vmlinux)));
        if (GuestAssets.has(GuestAssets.CLOUD_KERNEL)) {
            BzImage cloudImage = BzImage.parse(MemorySegment.ofArray(Files.readAllBytes(GuestAssets.cloudKernel())));
            byte[] cloud = cloudImage.decompress();
            info.put("payload bytes cloud", Long.toString(cloud.length));
            info.put("kernel (micro benchmarks only)", cloudImage.kernelVersion().split(" ")[0] + " (Debian cloud, "
                    + cloudImage.compression() + " bzImage)");
        }
        log("kexec-tools: apt-get download + dpkg-deb -x into " + work.resolve("peer"));
        KexecTools kt = KexecTools.prepare(work.resolve("peer"));
        info.put("kexec-tools", kt.version() + " (Debian 12 package, run inside the guest)");
        byte[] a = BenchInitramfs.buildA(GuestAssets.busybox(), kt.kexec(), kt.libraries(), generic,
                List.of(generic.resolveSibling("pvpanic.ko"), generic.resolveSibling("pvpanic-pci.ko")));
        BenchInitramfs.Archives archives = BenchInitramfs.write(work, a, vmlinux);
        info.put("initramfs", "A " + Files.size(archives.a()) + " bytes (busybox, kexec + libraries, bzImage, pvpanic modules, /init); "
                + "A+B " + Files.size(archives.ab()) + " bytes");
        Path big = work.resolve("initrd-64m.img");
        if (!Files.isRegularFile(big) || Files.size(big) != 64L << 20) {
            byte[] chunk = new byte[1 << 20];
            Random random = new Random(42);
            try (OutputStream o = Files.newOutputStream(big)) {
                for (int i = 0; i < 64; i++) {
                    random.nextBytes(chunk);
                    o.write(chunk);
                }
            }
        }
        return new BenchContext(opts.root(), generic, vmlinux, archives.a(), archives.ab(), archives.abElf(), big, BenchContext.CONSOLE,
                work.resolve("logs"), Duration.ofSeconds(120));
    }

    private void attempt(String scenario, int run, String what, Runnable r) {
        for (int tryNo = 1; tryNo <= 2; tryNo++) {
            long t = System.nanoTime();
            try {
                r.run();
                log(String.format("%s run %d/%d %s: ok (%.1f s)", scenario, run, opts.runs(), what, (System.nanoTime() - t) / 1e9));
                return;
            } catch (RuntimeException e) {
                failures++;
                log(String.format("%s run %d/%d %s: FAILED (try %d): %s", scenario, run, opts.runs(), what, tryNo, e));
            } finally {
                List<ProcessHandle> left = RunningProcess.orphans();
                if (!left.isEmpty()) {
                    orphans += left.size();
                    log("killing " + left.size() + " leftover process(es): " + left.stream().map(h -> h.pid() + " "
                            + h.info().command().orElse("?")).toList());
                    left.forEach(RunningProcess::killTree);
                }
            }
        }
    }

    /** Writes docs/performance.md and docs/performance.svg from the work directory's saved results. */
    static void writeReport(BenchOptions opts) throws IOException {
        Path e2e = opts.work().resolve("e2e.tsv");
        Path runInfo = opts.work().resolve("runinfo.tsv");
        Path jmh = opts.work().resolve("jmh.json");
        Measurements m = Files.isRegularFile(e2e) ? Measurements.read(e2e) : new Measurements();
        RunInfo info = Files.isRegularFile(runInfo) ? RunInfo.read(runInfo) : new RunInfo();
        List<JmhResult> results = Files.isRegularFile(jmh) ? JmhResult.read(jmh) : List.of();
        Map<String, Long> payload = new HashMap<>();
        info.get("payload bytes generic").ifPresent(v -> payload.put("generic", Long.parseLong(v)));
        info.get("payload bytes cloud").ifPresent(v -> payload.put("cloud", Long.parseLong(v)));
        BootTimeline timeline = BootTimeline.read(opts.work().resolve("timeline.tsv"));
        ReportWriter writer = new ReportWriter(info, m, results, payload, timeline);
        String md = writer.write("performance.svg");
        Path readme = opts.root().resolve("README.md");
        if (opts.out().equals(opts.root().resolve("docs")) && Files.isRegularFile(readme)) {
            String before = Files.readString(readme);
            String after = ReportWriter.replaceReadmeBlock(before, writer.readmeBlock());
            if (!after.equals(before)) {
                Files.writeString(readme, after);
                log("rewrote the README's figures between its bench markers");
            }
        }
        if (!timeline.marks().isEmpty()) {
            Files.writeString(opts.out().resolve(ReportWriter.TIMELINE_SVG), TimelineChart.render(
                    "One boot of the same vmlinux, phase by phase: jkexec run vs QEMU's PVH boot (TCG)",
                    info.get("date").orElse("") + " — one run each, seconds from process start", timeline));
        }
        String svg = SvgChart.render("jkexec vs QEMU direct boot, kexec-tools and kdump (TCG)",
                info.get("date").orElse("") + " — " + info.get("machine").orElse("") + " — medians, whiskers min–max, "
                        + info.get("runs per system").orElse("?") + " runs each",
                SvgChart.panels(m));
        Files.writeString(opts.out().resolve("performance.md"), md);
        Files.writeString(opts.out().resolve("performance.svg"), svg);
        log("wrote " + opts.out().resolve("performance.md") + " and performance.svg");
    }

    static void log(String s) {
        System.out.println(LocalTime.now().withNano(0) + " " + s);
        System.out.flush();
    }
}
