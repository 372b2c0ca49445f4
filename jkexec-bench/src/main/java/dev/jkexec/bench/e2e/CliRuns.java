package dev.jkexec.bench.e2e;

import static dev.jkexec.bench.report.Systems.*;

import dev.jkexec.bench.report.Measurements;
import dev.jkexec.bench.timeline.Stamp;
import dev.jkexec.bench.timeline.Timeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * jkexec as a user runs it: the {@code ./jkexec} launcher as a subprocess (it finds the JDK and
 * starts the JVM), wall time from just before the process was started — JVM start included.
 * {@code run} copies the serial console to its standard output, where each line is stamped on
 * arrival like a peer's.
 */
public final class CliRuns {
    private final BenchContext ctx;

    public CliRuns(BenchContext ctx) {
        this.ctx = ctx;
    }

    private String launcher() {
        return ctx.root().resolve("jkexec").toString();
    }

    /** How {@code jkexec run} is given the kernel. */
    public enum CliForm {
        /** {@code --kernel vmlinux}: the ELF, entered at its PVH/64-bit entry. */
        VMLINUX(JK_CLI_VMLINUX, "vmlinux-"),
        /** {@code --kernel bzImage}: the default, decompressed on the host with KASLR. */
        BZIMAGE(JK_CLI_BZ, "bz-"),
        /** {@code --kernel bzImage --no-decompress}: the guest's own decompressor. */
        BZIMAGE_GUEST(JK_CLI_BZ_GUEST, "bz-guest-");

        final String system;
        final String tag;

        CliForm(String system, String tag) {
            this.system = system;
            this.tag = tag;
        }
    }

    /**
     * {@code jkexec run --exit-on <init marker>}: process start → banner, → init marker. QEMU is
     * started through a one-line shell wrapper first on the PATH that stamps the host clock
     * ({@code $EPOCHREALTIME}, no fork) and execs the real binary: the stamp minus the moment before
     * the launcher started is the CLI's own overhead, launcher and JVM start to QEMU launched.
     * With {@code profile}, {@code JKEXEC_PROFILE=1}: the run's {@code jkexec-profile:} lines stay
     * in the returned timeline (for the per-phase chart; such a run is not recorded in {@code m}).
     */
    public Timeline boot(Measurements m, int run, CliForm form, boolean profile) {
        String system = form.system;
        Path stamp = ctx.logs().resolve("qemu-launched.stamp");
        Map<String, String> env = new java.util.HashMap<>(Map.of("PATH", qemuShim() + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"),
                "JKEXEC_BENCH_QEMU_STAMP", stamp.toString(), "JKEXEC_BENCH_QEMU", realQemu()));
        if (profile) {
            env.put("JKEXEC_PROFILE", "1");
        }
        List<String> cmd = new java.util.ArrayList<>(List.of(launcher(), "run", "--kernel",
                (form == CliForm.VMLINUX ? ctx.vmlinux() : ctx.kernel()).toString(),
                "--initrd", ctx.initrdA().toString(), "--append", ctx.append("pb.mode=ready pb.gen=1"), "--ram", "1G",
                "--accel", "tcg", "--exit-on", Patterns.ready(1).pattern(), "--timeout", Long.toString(ctx.timeout().toSeconds())));
        if (form == CliForm.BZIMAGE_GUEST) {
            cmd.add("--no-decompress");
        }
        try {
            Files.deleteIfExists(stamp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        double before = epochSeconds();
        Timeline t;
        OptionalInt status;
        try (RunningProcess p = RunningProcess.start(cmd, ctx.root(), env)) {
            status = p.awaitExit(ctx.timeout().plusSeconds(30));
            double exited = p.elapsed();
            t = p.lines().timeline();
            save("cli-boot-" + form.tag + (profile ? "profile-" : "") + run, t, cmd);
            if (profile) {
                if (status.isEmpty() || status.getAsInt() != 0) {
                    throw new RunFailedException("jkexec run (profiled) exited " + (status.isPresent() ? status.getAsInt() : "never"));
                }
                return t;
            }
            qemuLaunched(stamp).ifPresent(at -> m.add(BOOT, system, phase(QEMU_LAUNCHED), at - before));
            if (status.isEmpty() || status.getAsInt() != 0) {
                throw new RunFailedException("jkexec run exited " + (status.isPresent() ? status.getAsInt() : "never"));
            }
            Stamp banner = PeerRuns.require(t.first(Patterns.BANNER), "banner");
            Stamp ready = PeerRuns.require(t.first(Patterns.ready(1)), "init marker");
            t.first(Patterns.CLI_HEADER).ifPresent(h -> m.add(BOOT, system, phase(CLI_HEADER_PRINTED), h.seconds()));
            m.add(BOOT, system, BANNER, banner.seconds());
            m.add(BOOT, system, INIT, ready.seconds());
            m.add(BOOT, system, KERNEL_INIT, ready.seconds() - banner.seconds());
            ready.printk().ifPresent(u -> m.add(BOOT, system, PRINTK_INIT, u));
            m.add(BOOT, system, phase("process exited (QEMU closed)"), exited);
        }
        return t;
    }

    /**
     * {@code ./jkexec --version}, not recorded: a fresh build's first launch trains the launcher's
     * AOT cache (once per jar and JDK), which must not land in the first measured run.
     */
    public void warmUp() {
        try (RunningProcess p = RunningProcess.start(List.of(launcher(), "--version"), ctx.root(), Map.of())) {
            OptionalInt status = p.awaitExit(Duration.ofMinutes(5));
            save("cli-warm-up", p.lines().timeline(), List.of(launcher(), "--version"));
            if (status.isEmpty() || status.getAsInt() != 0) {
                throw new RunFailedException("jkexec --version exited " + (status.isPresent() ? status.getAsInt() : "never"));
            }
        }
    }

    /** {@code jkexec plan} of the bzImage and the 64 MiB initrd: process start → exit. */
    public void plan(Measurements m, int run) {
        List<String> cmd = List.of(launcher(), "plan", "--kernel", ctx.kernel().toString(), "--initrd", ctx.bigInitrd().toString(),
                "--append", ctx.append("pb.mode=ready pb.gen=2"), "--ram", "1G");
        try (RunningProcess p = RunningProcess.start(cmd, ctx.root(), Map.of())) {
            OptionalInt status = p.awaitExit(Duration.ofSeconds(120));
            double wall = p.elapsed();
            Timeline t = p.lines().timeline();
            save("cli-plan-" + run, t, cmd);
            if (status.isEmpty() || status.getAsInt() != 0) {
                throw new RunFailedException("jkexec plan exited " + (status.isPresent() ? status.getAsInt() : "never"));
            }
            m.add(LOAD, JK_PLAN_CLI, LOAD_TIME, wall);
        }
    }

    /** {@code java -version} through the same JDK: the JVM's own start, for the CLI breakdown. */
    public void jvmStart(Measurements m, String scenario, String system) {
        String java = System.getProperty("java.home") + "/bin/java";
        try (RunningProcess p = RunningProcess.start(List.of(java, "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-version"),
                ctx.root(), Map.of())) {
            p.awaitExit(Duration.ofSeconds(30));
            m.add(scenario, system, phase("a bare JVM start and exit (java -version)"), p.elapsed());
        }
    }

    /** The phase the CLI-overhead target reads. */
    /** The header names the API socket, printed once it listens: since the socket opens after the banner, a late phase. */
    static final String CLI_HEADER_PRINTED = "CLI header printed (API socket listening)";
    public static final String QEMU_LAUNCHED = dev.jkexec.bench.report.Target.QEMU_LAUNCHED.substring(PHASE.length());

    private static double epochSeconds() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() + now.getNano() / 1e9;
    }

    private static java.util.OptionalDouble qemuLaunched(Path stamp) {
        try {
            if (!Files.isRegularFile(stamp)) {
                return java.util.OptionalDouble.empty();
            }
            String first = Files.readAllLines(stamp).getFirst().trim();
            return java.util.OptionalDouble.of(Double.parseDouble(first));
        } catch (IOException | RuntimeException e) {
            return java.util.OptionalDouble.empty();
        }
    }

    private String realQemu() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path q = Path.of(d, "qemu-system-x86_64");
            if (!d.isEmpty() && Files.isExecutable(q) && !q.startsWith(ctx.logs())) {
                return q.toString();
            }
        }
        return "/usr/bin/qemu-system-x86_64";
    }

    /** A directory holding the stamping qemu-system-x86_64 wrapper. */
    private Path qemuShim() {
        Path dir = ctx.logs().resolve("qemu-shim");
        Path shim = dir.resolve("qemu-system-x86_64");
        try {
            Files.createDirectories(dir);
            Files.writeString(shim, "#!/bin/bash\necho \"$EPOCHREALTIME\" >> \"$JKEXEC_BENCH_QEMU_STAMP\"\n"
                    + "exec \"$JKEXEC_BENCH_QEMU\" \"$@\"\n");
            shim.toFile().setExecutable(true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private void save(String name, Timeline t, List<String> cmd) {
        try {
            Files.writeString(ctx.log(name), t.render() + "# " + String.join(" ", cmd) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
