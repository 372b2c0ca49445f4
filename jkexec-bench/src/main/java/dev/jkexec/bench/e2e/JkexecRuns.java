package dev.jkexec.bench.e2e;

import static dev.jkexec.bench.report.Systems.*;

import dev.jkexec.bench.guest.BenchInit;
import dev.jkexec.bench.report.Measurements;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.Toolstack;
import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.qemu.process.Accel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jkexec in-process: the harness drives {@link Machine} directly, one fresh machine (QEMU) per run,
 * forced to TCG like the peers, with the peers' layout of guest RAM (1 GiB, one vCPU). Times are
 * host {@link System#nanoTime()} differences; console lines carry the time they arrived.
 */
public final class JkexecRuns {
    /** 1 GiB guest like the peers', 256 MiB crash region (outside the guest), 256 MiB staging, one vCPU. */
    static final MachineLayout LAYOUT = new MachineLayout(1L << 30, 256L << 20, 256L << 20, 1);

    private final BenchContext ctx;
    private final Path dumps;

    public JkexecRuns(BenchContext ctx, Path dumps) {
        this.ctx = ctx;
        this.dumps = dumps;
    }

    private Machine start() {
        return Machine.start(options());
    }

    /** Which form of the same kernel jkexec loads. */
    public enum Form {
        /** The bzImage: the kernel's decompressor runs in the guest. */
        BZIMAGE("bz-"),
        /** The vmlinux extracted beforehand, loaded at its link addresses. */
        VMLINUX("vmlinux-"),
        /** The bzImage, decompressed by jkexec at load and moved where the planner puts it. */
        DECOMPRESSED("decompressed-");

        final String tag;

        Form(String tag) {
            this.tag = tag;
        }
    }

    private KernelSpec spec(Path kernel, String pb, ImageType type) {
        return new KernelSpec(kernel, ctx.initrdA(), false, ctx.append(pb), 64, type);
    }

    private KernelSpec spec(Form form, String pb, ImageType type) {
        return new KernelSpec(form == Form.VMLINUX ? ctx.vmlinux() : ctx.kernel(), ctx.initrdA(), false, ctx.append(pb), 64,
                type, form == Form.DECOMPRESSED);
    }

    private MachineOptions options() {
        return MachineOptions.builder().layout(LAYOUT).dumpDirectory(dumps).hardware(h -> h.accel(Optional.of(Accel.TCG))).build();
    }

    /**
     * Boot: command start → banner, → init marker, with the handover's phases. The first boot is
     * {@code Machine.boot(options, plan, beforeCont)}, as a program (or {@code jkexec run}) boots a
     * machine: QEMU spawned on another thread while the kernel is planned, the image checked and
     * written straight to its destinations while QEMU initialises, its digest taken after the
     * handover; not the hypercall's load + exec, whose held copy and staging a first boot does not need.
     */
    public void boot(Measurements m, int run, Form form) {
        String system = switch (form) {
            case BZIMAGE -> JK_BZ;
            case VMLINUX -> JK_VMLINUX;
            case DECOMPRESSED -> JK_DECOMPRESSED;
        };
        KernelSpec spec = spec(form, "pb.mode=ready pb.gen=1", ImageType.DEFAULT);
        AtomicLong planned = new AtomicLong();
        AtomicLong connected = new AtomicLong();
        FirmwareWatch[] watch = new FirmwareWatch[1];
        long t0 = System.nanoTime();
        try (Machine mc = Machine.boot(options(), () -> {
            KexecImage image = Toolstack.machineFree(LAYOUT).plan(spec).image();
            planned.set(System.nanoTime());
            return image;
        }, started -> {
            connected.set(System.nanoTime());
            watch[0] = FirmwareWatch.arm(started);
        })) {
            try (FirmwareWatch w = watch[0]) {
                Clock c = new Clock(t0, mc);
                m.add(BOOT, system, phase("planned (kernel + initrd read, placed, purgatory)"), c.of(planned.get()));
                m.add(BOOT, system, phase("QEMU connected (the image written meanwhile)"), c.of(connected.get()));
                m.add(BOOT, system, phase("first boot returned (checked, written at destinations, reset, cont)"), c.now());
                ConsoleLine ready = mc.console().awaitLine(Patterns.ready(1), ctx.timeout(), 0);
                ConsoleLine banner = mc.console().awaitLine(Patterns.BANNER, ctx.timeout(), 0);
                firmwarePhases(m, BOOT, system, c, w);
                m.add(BOOT, system, BANNER, c.at(banner));
                m.add(BOOT, system, INIT, c.at(ready));
                m.add(BOOT, system, KERNEL_INIT, c.at(ready) - c.at(banner));
                printk(ready.text()).ifPresent(u -> m.add(BOOT, system, PRINTK_INIT, u));
            } finally {
                saveLog(mc, "jkexec-boot-" + form.tag + run);
            }
        }
    }

    /** Exec: the guest runs (vmlinux, idle), the next kernel is loaded; Machine.exec → banner, → init marker. */
    public void exec(Measurements m, int run, Form form) {
        String system = switch (form) {
            case BZIMAGE -> JK_EXEC_BZ;
            case VMLINUX -> JK_EXEC_VMLINUX;
            case DECOMPRESSED -> JK_EXEC_DECOMPRESSED;
        };
        try (Machine mc = start()) {
            try {
                mc.boot(spec(ctx.vmlinux(), "pb.mode=stay pb.gen=1", ImageType.DEFAULT));
                mc.console().awaitLine(Patterns.ready(1), ctx.timeout(), 0);
                mc.load(spec(form, "pb.mode=ready pb.gen=2", ImageType.DEFAULT));
                long mark = mc.console().mark();
                try (FirmwareWatch w = FirmwareWatch.arm(mc)) {
                    Clock c = new Clock(System.nanoTime(), mc);
                    mc.exec();
                    m.add(EXEC, system, phase("exec returned (digest, staged, reset, cont)"), c.now());
                    ConsoleLine ready = mc.console().awaitLine(Patterns.ready(2), ctx.timeout(), mark);
                    ConsoleLine banner = mc.console().awaitLine(Patterns.BANNER, ctx.timeout(), mark);
                    firmwarePhases(m, EXEC, system, c, w);
                    m.add(EXEC, system, BANNER, c.at(banner));
                    m.add(EXEC, system, INIT, c.at(ready));
                }
            } finally {
                saveLog(mc, "jkexec-exec-" + form.tag + run);
            }
        }
    }

    /**
     * Crash: the crash image (the bzImage, the kdump command line) is loaded into the crash region
     * outside the guest; the guest (vmlinux, pvpanic modules, no crashkernel=) panics by sysrq.
     * Panic line → crash kernel banner, → /proc/vmcore readable.
     */
    public void crash(Measurements m, int run, Form form) {
        String system = form == Form.DECOMPRESSED ? JK_CRASH_DECOMPRESSED : JK_CRASH;
        try (Machine mc = start()) {
            try {
                AtomicLong panicked = new AtomicLong();
                AtomicLong crashed = new AtomicLong();
                mc.addListener(e -> {
                    if (e instanceof MachineEvent.GuestPanicked) {
                        panicked.compareAndSet(0, System.nanoTime());
                    } else if (e instanceof MachineEvent.Crashed) {
                        crashed.compareAndSet(0, System.nanoTime());
                    }
                });
                mc.load(spec(form, "pb.mode=vmcore pb.gen=crash irqpoll nr_cpus=1 reset_devices", ImageType.CRASH));
                // Armed before the boot: the guest panics right after its marker. Run 1 is the boot, run 2 the crash.
                try (FirmwareWatch w = FirmwareWatch.armAfter(mc, 1)) {
                    mc.boot(spec(ctx.vmlinux(), "pb.mode=jkcrash pb.gen=1", ImageType.DEFAULT));
                    ConsoleLine vmcore = mc.console().awaitLine(Patterns.VMCORE, ctx.timeout(), 0);
                    ConsoleLine panic = mc.console().awaitLine(Patterns.PANIC, ctx.timeout(), 0);
                    ConsoleLine banner = mc.console().awaitLine(Patterns.BANNER, ctx.timeout(), panic.index());
                    ConsoleLine size = mc.console().awaitLine(Patterns.CRASH_SIZE, ctx.timeout(), 0);
                    Clock c = new Clock(mc.qemuStartNanos() + panic.sinceStart().toNanos(), mc);
                    if (panicked.get() != 0) {
                        m.add(CRASH, system, phase("GUEST_PANICKED event (pvpanic → QMP)"), c.of(panicked.get()));
                    }
                    if (crashed.get() != 0) {
                        m.add(CRASH, system, phase("crash handled (vCPUs captured, digest, handover)"), c.of(crashed.get()));
                    }
                    firmwarePhases(m, CRASH, system, c, w);
                    m.add(CRASH, system, BANNER, c.at(banner));
                    m.add(CRASH, system, VMCORE, c.at(vmcore));
                    Matcher x = Patterns.CRASH_SIZE.matcher(size.text());
                    if (x.find()) {
                        m.add(CRASH, system, RESERVED, Long.parseLong(x.group(1)) / 1048576.0);
                    }
                }
            } finally {
                saveLog(mc, "jkexec-crash-" + form.tag + run);
            }
        }
    }

    /** Load: beside a running guest, Machine.load of the bzImage and the 64 MiB initrd; the second of two loads. */
    public void load(Measurements m, int run) {
        try (Machine mc = start()) {
            try {
                mc.boot(spec(ctx.vmlinux(), "pb.mode=stay pb.gen=1", ImageType.DEFAULT));
                mc.console().awaitLine(Patterns.ready(1), ctx.timeout(), 0);
                KernelSpec spec = new KernelSpec(ctx.kernel(), ctx.bigInitrd(), false, ctx.append("pb.mode=ready pb.gen=2"), 64,
                        ImageType.DEFAULT);
                for (int i = 1; i <= BenchInit.LOADS; i++) {
                    long t0 = System.nanoTime();
                    KexecImage image = mc.toolstack().plan(spec).image();
                    long t1 = System.nanoTime();
                    mc.load(image);
                    long t2 = System.nanoTime();
                    mc.unload(ImageType.DEFAULT);
                    if (i == BenchInit.LOADS) {
                        m.add(LOAD, JK_LOAD, phase("planned (files read, parsed, placed, purgatory)"), (t1 - t0) / 1e9);
                        m.add(LOAD, JK_LOAD, phase("core load (checks, SHA-256, held)"), (t2 - t0) / 1e9);
                        m.add(LOAD, JK_LOAD, LOAD_TIME, (t2 - t0) / 1e9);
                    } else {
                        m.add(LOAD, JK_LOAD, phase("first load of the machine"), (t2 - t0) / 1e9);
                    }
                }
            } finally {
                saveLog(mc, "jkexec-load-" + run);
            }
        }
    }

    private static void firmwarePhases(Measurements m, String scenario, String system, Clock c, FirmwareWatch w) {
        OptionalLong walked = w.walked();
        OptionalLong entering = w.entering();
        if (walked.isPresent()) {
            m.add(scenario, system, phase("firmware: page list walked"), c.of(walked.getAsLong()));
        }
        if (entering.isPresent()) {
            m.add(scenario, system, phase("firmware: entering the image"), c.of(entering.getAsLong()));
        }
    }

    private void saveLog(Machine mc, String name) {
        StringBuilder b = new StringBuilder();
        for (ConsoleLine l : mc.console().lines()) {
            b.append(String.format("%10.6f %s%n", l.sinceStart().toNanos() / 1e9, l.text()));
        }
        try {
            Files.writeString(ctx.log(name), b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Optional<Double> printk(String line) {
        Matcher x = Pattern.compile("\\[\\s*(\\d+\\.\\d+)\\]").matcher(line);
        return x.find() ? Optional.of(Double.parseDouble(x.group(1))) : Optional.empty();
    }

    /** Seconds from an origin ({@link System#nanoTime()}) to now, to a console line, or to another instant. */
    private record Clock(long originNanos, Machine machine) {
        double now() {
            return of(System.nanoTime());
        }

        double of(long nanos) {
            return (nanos - originNanos) / 1e9;
        }

        double at(ConsoleLine line) {
            return of(machine.qemuStartNanos() + line.sinceStart().toNanos());
        }
    }
}
