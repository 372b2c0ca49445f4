package dev.jkexec.bench.e2e;

import static dev.jkexec.bench.report.Systems.*;

import dev.jkexec.bench.guest.BenchInit;
import dev.jkexec.bench.report.Measurements;
import dev.jkexec.bench.timeline.Stamp;
import dev.jkexec.bench.timeline.Timeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The peers, one fresh QEMU per run, exactly as {@code run-one.sh} starts it: QEMU's own direct
 * boot ({@code -kernel/-initrd/-append}, SeaBIOS) and, inside that guest, Debian's kexec-tools.
 * Every serial line is stamped on arrival; the run ends at its last marker (or QEMU's exit, or
 * the timeout) and QEMU is killed.
 */
public final class PeerRuns {
    private final BenchContext ctx;

    public PeerRuns(BenchContext ctx) {
        this.ctx = ctx;
    }

    /** QEMU's command line for one run. */
    List<String> command(Path initrd, String append) {
        return List.of("qemu-system-x86_64", "-accel", "tcg", "-m", "1G", "-nographic", "-no-reboot",
                "-kernel", ctx.kernel().toString(), "-initrd", initrd.toString(), "-append", append);
    }

    private Timeline run(String name, Path initrd, String append, Pattern until) {
        Timeline t;
        try (RunningProcess p = RunningProcess.start(command(initrd, append), null, Map.of())) {
            boolean reached = p.lines().await(until, ctx.timeout(), 0).isPresent();
            t = p.lines().timeline();
            save(name, t, append);
            if (!reached) {
                throw new RunFailedException(name + ": no line matching /" + until + "/ within " + ctx.timeout().toSeconds()
                        + " s (log " + ctx.log(name) + ")");
            }
        }
        return t;
    }

    private void save(String name, Timeline t, String append) {
        try {
            Files.writeString(ctx.log(name), t.render() + "# append: " + append + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Boot: process start → banner, → init marker; the kernel's own time to init. */
    public void boot(Measurements m, int run) {
        Timeline t = run("peer-boot-" + run, ctx.initrdA(), ctx.append("pb.mode=ready pb.gen=1"), Patterns.ready(1));
        Stamp banner = require(t.first(Patterns.BANNER), "banner");
        Stamp ready = require(t.first(Patterns.ready(1)), "init marker");
        m.add(BOOT, QEMU_DIRECT, BANNER, banner.seconds());
        m.add(BOOT, QEMU_DIRECT, INIT, ready.seconds());
        m.add(BOOT, QEMU_DIRECT, KERNEL_INIT, ready.seconds() - banner.seconds());
        ready.printk().ifPresent(u -> m.add(BOOT, QEMU_DIRECT, PRINTK_INIT, u));
        t.first(Pattern.compile("SeaBIOS")).ifPresent(s -> m.add(BOOT, QEMU_DIRECT, phase("SeaBIOS banner"), s.seconds()));
        t.first(Pattern.compile("Booting from ROM")).ifPresent(s -> m.add(BOOT, QEMU_DIRECT, phase("SeaBIOS boots the kernel"), s.seconds()));
    }

    /**
     * QEMU's fastest boot of the same kernel: {@code -kernel vmlinux} through its PVH note, on {@code pc}
     * or {@code microvm}. A run that does not reach init within 60 s is recorded as hung (microvm
     * sometimes hangs under TCG), not retried, and left out of the times.
     */
    public Timeline bootPvh(Measurements m, int run, boolean microvm) {
        String system = microvm ? QEMU_PVH_MICROVM : QEMU_PVH_PC;
        String append = ctx.append("pb.mode=ready pb.gen=1");
        List<String> cmd = List.of("qemu-system-x86_64", "-accel", "tcg", "-M", microvm ? "microvm" : "pc", "-m", "1G",
                "-nographic", "-no-reboot", "-kernel", ctx.vmlinux().toString(), "-initrd", ctx.initrdA().toString(),
                "-append", append);
        String name = "peer-pvh-" + (microvm ? "microvm-" : "pc-") + run;
        try (RunningProcess p = RunningProcess.start(cmd, null, Map.of())) {
            boolean reached = p.lines().await(Patterns.ready(1), java.time.Duration.ofSeconds(60), 0).isPresent();
            Timeline t = p.lines().timeline();
            save(name, t, append);
            m.add(BOOT, system, HUNG, reached ? 0 : 1);
            if (!reached) {
                return t;
            }
            Stamp banner = require(t.first(Patterns.BANNER), "banner");
            Stamp ready = require(t.first(Patterns.ready(1)), "init marker");
            m.add(BOOT, system, BANNER, banner.seconds());
            m.add(BOOT, system, INIT, ready.seconds());
            m.add(BOOT, system, KERNEL_INIT, ready.seconds() - banner.seconds());
            ready.printk().ifPresent(u -> m.add(BOOT, system, PRINTK_INIT, u));
            return t;
        }
    }

    /** The form of the kernel kexec-tools loads in the guest ({@code pb.kform=} of {@link dev.jkexec.bench.guest.BenchInit}). */
    public enum KernelForm {
        /** The bzImage, through its purgatory (SHA-256 check) and the kernel's decompressor. */
        BZIMAGE("bz", KEXEC_TOOLS, KDUMP),
        /** The ELF vmlinux ({@code --args-linux}): no decompressor, purgatory still checks. */
        ELF("elf", KEXEC_TOOLS_ELF, null),
        /** The ELF vmlinux with {@code -i}: no decompressor, no purgatory check. */
        ELF_I("elfi", KEXEC_TOOLS_ELF_I, KDUMP_ELF_I);

        final String kform;
        final String execSystem;
        final String crashSystem;

        KernelForm(String kform, String execSystem, String crashSystem) {
            this.kform = kform;
            this.execSystem = execSystem;
            this.crashSystem = crashSystem;
        }

        boolean elf() {
            return this != BZIMAGE;
        }
    }

    /** kexec -l then kexec -e in the guest: request (the KEXEC-E marker) → new banner, → its init marker. */
    public void exec(Measurements m, int run, KernelForm form) {
        String system = form.execSystem;
        Timeline t = run("peer-exec-" + form.kform + "-" + run, form.elf() ? ctx.initrdABElf() : ctx.initrdAB(),
                ctx.append("pb.mode=kexec pb.gen=1 pb.kform=" + form.kform), Patterns.ready(2));
        Stamp request = require(t.first(Patterns.KEXEC_E), "KEXEC-E marker");
        Stamp banner = require(t.firstAfter(Patterns.BANNER, request), "second banner");
        Stamp ready = require(t.firstAfter(Patterns.ready(2), request), "second init marker");
        t.firstAfter(Patterns.STARTING_NEW, request).ifPresent(s ->
                m.add(EXEC, system, phase("kexec -e: \"Starting new kernel\""), s.seconds() - request.seconds()));
        m.add(EXEC, system, phase("new kernel's banner"), banner.seconds() - request.seconds());
        m.add(EXEC, system, BANNER, banner.seconds() - request.seconds());
        m.add(EXEC, system, INIT, ready.seconds() - request.seconds());
    }

    /**
     * kdump: a crash reservation, kexec -p, sysrq crash: panic → crash kernel banner, → /proc/vmcore
     * readable. The ELF form needs the region at 16 MiB ({@code crashkernel=256M@16M}): kexec-tools
     * loads an ELF at its physical addresses, and the vmlinux is linked at 16 MiB.
     */
    public void crash(Measurements m, int run, KernelForm form) {
        String system = form.crashSystem;
        String reserve = form.elf() ? "crashkernel=256M@16M" : "crashkernel=256M";
        Timeline t = run("peer-crash-" + form.kform + "-" + run, form.elf() ? ctx.initrdABElf() : ctx.initrdAB(),
                ctx.append(reserve + " pb.mode=crash pb.gen=1 pb.kform=" + form.kform), Patterns.VMCORE);
        Stamp panic = require(t.first(Patterns.PANIC), "panic line");
        Stamp banner = require(t.firstAfter(Patterns.BANNER, panic), "crash kernel banner");
        Stamp vmcore = require(t.firstAfter(Patterns.VMCORE, panic), "vmcore marker");
        m.add(CRASH, system, phase("crash kernel's banner"), banner.seconds() - panic.seconds());
        m.add(CRASH, system, BANNER, banner.seconds() - panic.seconds());
        m.add(CRASH, system, VMCORE, vmcore.seconds() - panic.seconds());
        m.add(CRASH, system, RESERVED, reservedMiB(t));
    }

    /** kexec -l of the kernel and a 64 MiB initrd, timed in the guest (printk stamps of its markers), second of two. */
    public void load(Measurements m, int run) {
        Timeline t = run("peer-load-" + run, ctx.initrdA(), ctx.append("pb.mode=load pb.gen=1"), Patterns.LOADS_DONE);
        int i = BenchInit.LOADS;
        Stamp start = require(t.first(Patterns.loadStart(i)), "LOAD-START " + i);
        Stamp end = require(t.first(Patterns.loadEnd(i)), "LOAD-END " + i);
        double guest = require(end.printk(), "printk stamp") - require(start.printk(), "printk stamp");
        m.add(LOAD, KEXEC_L, LOAD_TIME, guest);
        m.add(LOAD, KEXEC_L, phase("the same, seen on the host (marker arrival)"), end.seconds() - start.seconds());
        Stamp s1 = require(t.first(Patterns.loadStart(1)), "LOAD-START 1");
        Stamp e1 = require(t.first(Patterns.loadEnd(1)), "LOAD-END 1");
        m.add(LOAD, KEXEC_L, phase("first load of the boot (printk)"), require(e1.printk(), "printk") - require(s1.printk(), "printk"));
    }

    /** The crash reservation the guest's /init printed, in MiB. */
    static double reservedMiB(Timeline t) {
        Stamp s = require(t.first(Patterns.CRASH_SIZE), "crash size line");
        Matcher x = Patterns.CRASH_SIZE.matcher(s.text());
        if (!x.find()) {
            throw new RunFailedException("unreadable crash size line: " + s.text());
        }
        return Long.parseLong(x.group(1)) / 1048576.0;
    }

    static <T> T require(java.util.Optional<T> o, String what) {
        return o.orElseThrow(() -> new RunFailedException("missing " + what));
    }

    static double require(java.util.OptionalDouble o, String what) {
        if (o.isEmpty()) {
            throw new RunFailedException("missing " + what);
        }
        return o.getAsDouble();
    }
}
