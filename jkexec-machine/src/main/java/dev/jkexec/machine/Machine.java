package dev.jkexec.machine;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.core.crash.CrashNote;
import dev.jkexec.core.crash.GuestKernel;
import dev.jkexec.core.crash.VmcoreInfoHint;
import dev.jkexec.core.crash.VmcoreInfoPage;
import dev.jkexec.core.kexec.DigestAhead;
import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.HandoverTarget;
import dev.jkexec.core.kexec.ImageDamagedException;
import dev.jkexec.core.kexec.ImageDescriptor;
import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentBuffers;
import dev.jkexec.core.kexec.Sha256;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.crash.ElfCoreHeader;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.machine.crash.CoreDump;
import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.machine.crash.DumpProgress;
import dev.jkexec.machine.crash.DumpSource;
import dev.jkexec.machine.crash.DumpTarget;
import dev.jkexec.machine.crash.Dumps;
import dev.jkexec.machine.firmware.AcpiTables;
import dev.jkexec.machine.firmware.BiosData;
import dev.jkexec.machine.firmware.Fault;
import dev.jkexec.machine.firmware.HandoverBlock;
import dev.jkexec.machine.hypercall.Hypercalls;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.Paging;
import dev.jkexec.qemu.QemuMachine;
import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.qemu.console.SerialConsole;
import dev.jkexec.qemu.cpu.CpuState;
import dev.jkexec.qemu.qmp.QmpEvent;
import dev.jkexec.qemu.qmp.RunState;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * A jkexec machine: QEMU as the hardware, jkexec's firmware, the kexec core over the shared RAM.
 * Every kernel this machine runs — the first one too — arrives by a kexec handover.
 *
 * <p>The verbs, each a whole sequence (DESIGN.md, "Lifecycles"):
 * <ul>
 *   <li>{@link #load} / {@link #unload}: core operations; nothing happens to the running guest.</li>
 *   <li>{@link #exec}: stop → stage its pages and page list → handover block with the entry held at
 *       the firmware's gate → {@code system_reset} → {@code cont}; the firmware relocates while the
 *       default image's digest is verified, and enters it only once it matched ({@link HeldAtGate}).
 *       The first exec of a machine, before any kernel ran, writes the image straight to its
 *       destinations instead ({@link Kexec#execFirst}): the firmware only enters it.
 *       {@link #boot} is load + exec; the first boot of a machine does both in one step
 *       ({@link Kexec#bootFirst}): the image goes from the toolstack's buffers to its destinations,
 *       which jkexec keeps (no copy), and their digest is taken in the background once the vCPUs run.</li>
 *   <li>{@link #crash}: stop → capture every vCPU's registers into its crash note → verify the crash
 *       image in the crash region (its digest is taken on another thread from the stop on, while
 *       the registers are read and the guest's kernel is looked for, and checked while the firmware
 *       refreshes the region, before it enters the image) → handover into it (the purgatory backs
 *       up low memory). With no crash image, or a damaged one, the guest is
 *       written to a host-side core instead: nothing is lost. A guest panic (pvpanic → {@code GUEST_PANICKED}) starts this by itself.</li>
 *   <li>{@link #dump}: the host-side core on request (the guest is paused while it is written).</li>
 * </ul>
 *
 * <p>The guest reaches the same verbs through Xen's hypercall ({@link Hypercalls}): a dom0 toolstack
 * in the guest (Debian's kexec-tools) loads, unloads and executes images through the hypercall
 * window and the doorbell, which every machine has.
 *
 * <p>Exec and crash hold the core's lock from the digest check until QEMU has been told to run
 * the new image ({@link Kexec#exec}): no load or unload can slip in between. Machine operations are
 * serialized on this object. A refused exec (nothing loaded, staging too small) leaves the old guest
 * running; a default image whose digest no longer matches is found after the reset, so the old
 * guest is gone then and the firmware halts at its gate without entering the image (-EIO).
 */
public final class Machine implements AutoCloseable {
    /**
     * The line Linux's panic() prints first, as its console shows it: at the start of the line, after
     * the printk time and caller stamps if any. Not its closing "---[ end Kernel panic" line, and not a
     * program's output quoting one (a crash kernel's vmcore-dmesg prints the crashed kernel's panic).
     */
    static final Pattern PANIC_LINE = Pattern.compile("^(?:\\[[^\\]]*\\]\\s*)*Kernel panic - not syncing");
    /** How long a guest reset waits for the console to deliver a panic line the guest printed before it. */
    static final java.time.Duration PANIC_LINE_GRACE = java.time.Duration.ofMillis(300);
    /**
     * How long after a first boot with a crash image ({@link #boot(MachineOptions, java.util.function.Supplier,
     * java.util.function.Supplier, Consumer)}) the crash path's warm-up starts: past the kernel's banner,
     * as the first boot's background digest waits (a crash before it runs the path cold, as before any warm-up).
     */
    static final long CRASH_WARM_UP_DELAY_MS = 1000;
    private final MachineOptions options;
    private final QemuMachine qemu;
    private final Kexec kexec;
    private final Toolstack toolstack;
    private final long rsdp;
    private final List<Consumer<MachineEvent>> listeners = new CopyOnWriteArrayList<>();
    private Hypercalls hypercalls;
    private volatile boolean closed;
    /** When the running guest was handed over: pvpanic events from before are from a guest already gone. */
    private volatile Instant handedOverAt = Instant.EPOCH;
    /** The first console line of the running guest. */
    private volatile long guestFirstLine;
    /** Whether the running guest's panic was taken already (by pvpanic or by its console line). */
    private final AtomicBoolean panicTaken = new AtomicBoolean();
    /** The ELF core header of the toolstack-built crash image now loaded, rewritten at crash time; or null. */
    private CrashHeader crashHeader;
    /** Whether the crash path's first register read was done ahead of any crash ({@link #warmCrashPath}). */
    private final AtomicBoolean crashPathWarm = new AtomicBoolean();
    /** Whether any image was handed the vCPUs yet: before, no guest code has run and nothing in RAM can be stale. */
    private volatile boolean handedOver;
    /** The last crash's time while the guest stays paused after it (dumps taken then carry it), else 0. */
    private long crashTime;

    /**
     * Where the loaded crash image's ELF core header is, for the image whose digest is {@code sha256}
     * (any other crash image loaded later, by the toolstack's hypercall say, is left alone).
     */
    private record CrashHeader(Sha256 sha256, long address, long room, long backup, CrashEnvironment env) {
    }

    private Machine(MachineOptions options, QemuMachine qemu) {
        this(options, qemu, new Kexec(options.layout().kexecConfig(), qemu.memory(), qemu::vcpusMayHaveRun),
                AcpiTables.write(qemu.memory(), options.layout()));
    }

    /** A machine over {@code qemu} whose core and ACPI tables were made over its RAM before QEMU was connected. */
    private Machine(MachineOptions options, QemuMachine qemu, Kexec kexec, long rsdp) {
        this.options = options;
        this.qemu = qemu;
        this.kexec = kexec;
        this.rsdp = rsdp;
        this.toolstack = new Toolstack(kexec, options.layout(), rsdp);
        qemu.qmp().addEventListener(this::onQmpEvent);
        qemu.console().addLineListener(this::onConsoleLine);
    }

    /** Starts QEMU (paused, nothing loaded) with jkexec's firmware for this layout. */
    public static Machine start(MachineOptions options) {
        QemuMachine qemu = QemuMachine.start(options.hardware());
        try {
            return wired(new Machine(options, qemu));
        } catch (RuntimeException e) {
            qemu.close();
            throw e;
        }
    }

    /** Serves the machine's hypercalls and reports QEMU's exit; the machine's last step of starting. */
    private static Machine wired(Machine m) {
        QemuMachine qemu = m.qemu;
        // MachineOptions insists on the doorbell: every machine serves the guest's hypercalls.
        Hypercalls h = Hypercalls.start(m.layout(), m.memory(), qemu.doorbell().orElseThrow(), new MachineKexecVerbs(m),
                m::note);
        m.hypercalls = h;
        dev.jkexec.platform.BootProfile.mark("machine: ACPI written, hypercall channel up");
        qemu.onExit().thenRun(() -> {
            if (!m.closed) {
                m.emit(new MachineEvent.Exited(qemu.describeProcess()));
            }
        });
        m.addListener(e -> {
            if (e instanceof MachineEvent.HandedOver) {
                h.handedOver();
            }
        });
        return m;
    }

    /**
     * Starts a machine and boots the image {@code plan} gives as its first boot ({@link #boot(KexecImage)}),
     * with QEMU's start overlapped: QEMU is spawned on another thread while this one plans, the image
     * and the ACPI tables are written into the machine's RAM as soon as it is mapped (QEMU writes no
     * guest RAM while it initialises, and nothing has run: no relocation), and only the handover
     * ({@code system_reset}, {@code cont}) waits for QEMU's QMP handshake. {@code beforeCont} sees
     * the machine once it is connected and before its vCPUs run (console listeners added there miss
     * no line). On failure everything started is removed (a failing plan waits for QEMU's start to
     * end first), and the error thrown is QEMU's start failure (typed, as {@link #start}'s) when QEMU
     * failed to start, with any other error suppressed in it; else the plan's or the handover's.
     */
    public static Machine boot(MachineOptions options, java.util.function.Supplier<? extends KexecImage> plan,
            Consumer<Machine> beforeCont) {
        return boot(options, plan, null, beforeCont);
    }

    /**
     * {@link #boot(MachineOptions, java.util.function.Supplier, Consumer)} with a crash image loaded
     * before the first boot, as a panic early in it needs ({@code run --crash-kernel}): {@code crashPlan}
     * (a toolstack's plan for this layout, {@link Toolstack#machineFree}) runs on a thread of its own
     * beside {@code plan} and QEMU's start (a failing {@code plan} is the error even if the crash plan
     * fails too; the crash plan is then left to end by itself); the crash image is loaded into the crash region through
     * the core's rules ({@link Kexec#load}, its pristine copy kept) as soon as the RAM is mapped, then
     * the first image is written and handed over. The crash slot is what {@link #load(KernelSpec)}
     * would have made (the same checks, digest and ELF core header rewritten at the crash), and since
     * no vCPU has run when it is written, the firmware has nothing to refresh at the crash
     * ({@code CrashRegionImage#refreshRanges}). Any failure — the crash plan's, the load's (a buffer
     * of a file truncated since the plan, say) — removes everything started, as the first image's do.
     * {@code crashPlan} null: no crash image.
     */
    public static Machine boot(MachineOptions options, java.util.function.Supplier<? extends KexecImage> plan,
            java.util.function.Supplier<ImagePlan> crashPlan, Consumer<Machine> beforeCont) {
        java.util.concurrent.Executor starter = r -> Thread.ofPlatform().daemon().name("jkexec-machine-start").start(r);
        java.util.concurrent.CompletableFuture<QemuMachine.Launch> launching =
                java.util.concurrent.CompletableFuture.supplyAsync(() -> QemuMachine.launch(options.hardware()), starter);
        // The same thread goes on to QMP: this one writes RAM meanwhile, and the launch is finished once.
        java.util.concurrent.CompletableFuture<QemuMachine> finishing = launching.thenApply(QemuMachine.Launch::finish);
        // The crash plan (a bzImage decompressed, a busybox guest built: often the longest) on a thread
        // of its own, beside QEMU's start and the first plan.
        java.util.concurrent.CompletableFuture<ImagePlan> crashPlanning = crashPlan == null
                ? java.util.concurrent.CompletableFuture.completedFuture(null)
                : java.util.concurrent.CompletableFuture.supplyAsync(crashPlan,
                        r -> Thread.ofPlatform().daemon().name("jkexec-crash-plan").start(r));
        Machine[] made = new Machine[1];
        Kexec[] core = new Kexec[1];
        try {
            KexecImage image = plan.get();
            checkPlannedFor(image, options.layout());
            // The first plan's failure is reported before the crash plan's, as when they ran in turn.
            ImagePlan crash = join(crashPlanning);
            if (crash != null) {
                if (crash.image().type() != ImageType.CRASH) {
                    throw new IllegalArgumentException("crashPlan must give a crash image, not a " + crash.image().type().label() + " image");
                }
                checkPlannedFor(crash.image(), options.layout());
            }
            QemuMachine.Launch launch = join(launching);
            PhysicalMemory ram = launch.memory();
            // Before QMP is connected only a gdbstub could start the vCPUs; after, the machine's QMP client knows.
            Kexec kexec = core[0] = new Kexec(options.layout().kexecConfig(), ram, () -> {
                QemuMachine q = finishing.isDone() && !finishing.isCompletedExceptionally() ? finishing.join() : null;
                return q == null ? launch.vcpusMayHaveRun() : q.vcpusMayHaveRun();
            });
            long rsdp = AcpiTables.write(ram, options.layout());
            dev.jkexec.platform.BootProfile.mark("machine: ACPI written before QEMU is connected");
            ImageInfo crashLoaded = null;
            if (crash != null) {
                // Before the vCPUs ever ran (the core asks, after the write): no refresh at the crash.
                kexec.load(crash.image());
                crashLoaded = kexec.image(ImageType.CRASH).orElseThrow();
                dev.jkexec.platform.BootProfile.mark("crash load: written into the crash region before the first boot");
            }
            ImageInfo crashInfo = crashLoaded;
            HandoverPlan handed = kexec.bootFirst(image, p -> {
                QemuMachine qemu = join(finishing);
                Machine m = wired(new Machine(options, qemu, kexec, rsdp));
                made[0] = m;
                beforeCont.accept(m);
                synchronized (m) {
                    if (crashInfo != null) {
                        m.crashHeader = m.crashHeaderOf(crash, crashInfo);
                    }
                    m.handOver(p);
                }
            });
            Machine m = made[0];
            handed.digest().onFailure(e -> m.emit(new MachineEvent.Notice("the booted kernel runs, but jkexec could not take its digest: "
                    + e.getMessage() + "; load a default image again before an exec")));
            m.emit(new MachineEvent.HandedOver(handed));
            if (crashInfo != null) {
                // As a crash load does, but once the first kernel's early boot is past: started at the
                // handover, its register read, RAM probe and region compares shared the 2 cores with
                // the kernel's entry → banner (docs/boot-profile.md, branch crashrun).
                java.util.concurrent.CompletableFuture.delayedExecutor(CRASH_WARM_UP_DELAY_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
                        .execute(() -> {
                            if (!m.closed) {
                                m.warmCrashPath(ImageType.CRASH);
                            }
                        });
            }
            return m;
        } catch (RuntimeException e) {
            RuntimeException failure = e;
            // QEMU's own start failure explains more than what it caused here (RAM unmapped under a write, say).
            Throwable startFailed = finishing.handle((q, t) -> t instanceof java.util.concurrent.CompletionException c ? c.getCause() : t).join();
            if (startFailed instanceof RuntimeException r && r != e) {
                r.addSuppressed(e);
                failure = r;
            }
            removeStarted(made[0], core[0], finishing, failure);
            throw failure;
        } catch (Error e) {
            // An error no copy named (the copies from a file's mapping name a truncated file): still nothing left.
            removeStarted(made[0], core[0], finishing, e);
            throw e;
        }
    }

    /** Closes what a failing {@link #boot(MachineOptions, java.util.function.Supplier, Consumer)} started, failures of closing suppressed in {@code failure}. */
    private static void removeStarted(Machine made, Kexec core, java.util.concurrent.CompletableFuture<QemuMachine> finishing, Throwable failure) {
        if (made != null) {
            closeInto(made, failure);
        } else {
            if (core != null) {
                closeInto(core, failure);
            }
            QemuMachine q = finishing.handle((m, t) -> m).join();
            if (q != null) {
                closeInto(q, failure);
            }
        }
    }

    private static void closeInto(AutoCloseable c, Throwable failure) {
        try {
            c.close();
        } catch (Exception suppressed) {
            failure.addSuppressed(suppressed);
        }
    }

    /** How the vCPUs run ("TCG (…)", "KVM"), in words for a user. */
    public String accelerator() {
        return qemu.accel().reason();
    }

    /** Whether QEMU still runs. */
    public boolean isAlive() {
        return qemu.isAlive();
    }

    /** Completes when QEMU exits, for whatever reason. */
    public java.util.concurrent.CompletableFuture<?> onExit() {
        return qemu.onExit();
    }

    /** How QEMU ended (exit status or signal, and its last words), for a message. */
    public String describeProcess() {
        return qemu.describeProcess();
    }

    public MachineLayout layout() {
        return options.layout();
    }

    /**
     * The QEMU process itself: for the machine's own tests only. Product code and the bench use the
     * narrow methods ({@link #gdbSocket}, {@link #pause}, {@link #runState}, {@link #cpuStates},
     * {@link #lastCpuResetState}, {@link #qemuStartNanos}, {@link #qemuDump}).
     */
    public QemuMachine qemu() {
        return qemu;
    }

    /** The gdbstub's Unix socket, when the machine was started with it ({@code verify}). */
    public java.util.Optional<Path> gdbSocket() {
        return qemu.gdbSocket();
    }

    /** Every vCPU's registers, as QEMU reports them now (the machine should be stopped). */
    public List<CpuState> cpuStates() {
        return qemu.cpuStates();
    }

    /**
     * vCPU 0's state just before the last reset, from QEMU's CPU reset log: after a triple fault,
     * the state the guest died in. Empty without the log or before any reset.
     */
    public java.util.Optional<CpuState> lastCpuResetState() {
        return qemu.lastCpuResetState();
    }

    /** {@link System#nanoTime()} when QEMU was started: the origin of console line times. */
    public long qemuStartNanos() {
        return qemu.startNanos();
    }

    /**
     * QEMU's own {@code dump-guest-memory} of the whole guest to {@code file} ({@code paging: false}),
     * in QEMU's {@code format} ("elf", "kdump-zlib", ...): the bench's baseline for jkexec's dumps.
     */
    public void qemuDump(Path file, String format, java.time.Duration timeout) {
        qemu.qmp().execute("dump-guest-memory", java.util.Map.of("paging", false, "protocol", "file:" + file, "format", format),
                timeout);
    }

    public PhysicalMemory memory() {
        return qemu.memory();
    }

    public Kexec kexec() {
        return kexec;
    }

    public SerialConsole console() {
        return qemu.console();
    }

    public Toolstack toolstack() {
        return toolstack;
    }

    /** The ACPI RSDP this machine's kernels are told about. */
    public long rsdp() {
        return rsdp;
    }

    public void addListener(Consumer<MachineEvent> listener) {
        listeners.add(listener);
    }

    /**
     * Loads an image into its slot (Xen's {@code kexec_load}).
     *
     * @throws KexecException -EINVAL for an image the toolstack planned for another memory map
     *                        ({@link #checkPlannedFor}), or the core's refusal
     */
    public synchronized void load(KexecImage image) {
        checkPlannedFor(image, layout());
        kexec.load(image);
        warmCrashPath(image.type());
    }

    /**
     * Plans and loads a kernel for this machine. Planning (reading, decompressing, building the
     * initramfs) runs outside the machine's lock, so a panic meanwhile is handled at once, with the
     * crash image loaded before; only the load itself is serialized with the crash path. What a user
     * should know about the kernel comes as {@link MachineEvent.Notice}s.
     *
     * @return what the slot holds now, read under the machine's lock: the image this load put
     *         there, never one a concurrent load put there after it
     */
    public ImageInfo load(KernelSpec spec) {
        ImagePlan plan = prepare(spec);
        synchronized (this) {
            kexec.load(plan.image());
            warmCrashPath(spec.type());
            ImageInfo info = kexec.image(spec.type()).orElseThrow();
            if (spec.type() == ImageType.CRASH) {
                crashHeader = crashHeaderOf(plan, info);
            }
            return info;
        }
    }

    /** Where the ELF core header of the toolstack's crash image {@code plan}, loaded as {@code info}, lies. */
    private CrashHeader crashHeaderOf(ImagePlan plan, ImageInfo info) {
        long room = plan.layout().segments().stream().filter(s -> s.what().equals("elfcorehdr"))
                .mapToLong(s -> s.memsz()).findFirst().orElse(0);
        return new CrashHeader(info.sha256(), plan.layout().elfCoreHeader(), room, plan.layout().backup(),
                toolstack.crashEnvironment());
    }

    private ImagePlan prepare(KernelSpec spec) {
        Toolstack.Prepared p = toolstack.prepare(spec);
        for (String notice : p.notices()) {
            emit(new MachineEvent.Notice(notice));
        }
        return p.plan();
    }

    /** Loads an image described by the binary ABI, its buffers read from guest memory (the hypercall). */
    public synchronized void load(ImageDescriptor image, SegmentBuffers buffers) {
        kexec.load(image, buffers);
        warmCrashPath(ImageType.ofCode(image.type()));
    }

    /** A v1 load (the hypercall's {@code kexec_load_v1}); list frames resolve in {@code frames}. */
    public synchronized void loadV1(int type, long indirectionPage, long entry, PhysicalMemory frames) {
        kexec.loadV1(type, indirectionPage, entry, frames);
        warmCrashPath(ImageType.ofCode(type));
    }

    /** The hypercall channel: its window, and how many calls it answered. */
    public Hypercalls hypercalls() {
        return hypercalls;
    }

    public synchronized void unload(ImageType type) {
        kexec.unload(type);
    }

    /**
     * Loads {@code image} as the default image and executes it. On a machine that never ran a
     * kernel this is the first boot ({@link Kexec#bootFirst}): the image is written to its
     * destinations from its own (read-only) buffers, which jkexec keeps as the loaded image's bytes;
     * their digest is taken in the background, so the returned plan's may still be being taken.
     */
    public synchronized HandoverPlan boot(KexecImage image) {
        if (image.type() != ImageType.DEFAULT) {
            throw new IllegalArgumentException("boot takes a default image");
        }
        checkPlannedFor(image, layout());
        if (!handedOver) {
            return bootFirst(image);
        }
        kexec.load(image);
        dev.jkexec.platform.BootProfile.mark("load: held copy + SHA-256");
        return exec();
    }

    /**
     * The first boot: the image goes from the toolstack's buffers straight to its destinations and
     * is handed over; its digest is taken in the background ({@link Kexec#bootFirst}). Should that
     * fail, a {@link MachineEvent.Notice} says so (and what needs the digest reports it).
     */
    private HandoverPlan bootFirst(KexecImage image) {
        return withGuestStopped("first boot: vCPUs stopped (query-status)", () -> {
            HandoverPlan plan = kexec.bootFirst(image, this::handOver);
            plan.digest().onFailure(e -> emit(new MachineEvent.Notice("the booted kernel runs, but jkexec could not take its digest: "
                    + e.getMessage() + "; load a default image again before an exec")));
            return plan;
        });
    }

    /**
     * Stops the vCPUs, runs {@code handover} and announces its plan; when it is refused, a guest
     * that was running runs on, as if nothing had been asked.
     */
    private HandoverPlan withGuestStopped(String mark, java.util.function.Supplier<HandoverPlan> handover) {
        boolean wasRunning = stopGuest();
        dev.jkexec.platform.BootProfile.mark(mark);
        try {
            HandoverPlan plan = handover.get();
            emit(new MachineEvent.HandedOver(plan));
            return plan;
        } catch (RuntimeException e) {
            if (wasRunning && qemu.isAlive()) {
                qemu.resume();
            }
            throw e;
        }
    }

    /** Plans, loads and executes a kernel. */
    public synchronized HandoverPlan boot(KernelSpec spec) {
        return boot(prepare(spec.withType(ImageType.DEFAULT)).image());
    }

    /**
     * Replaces the running guest by the loaded default image.
     *
     * @throws KexecException -ENOENT with nothing loaded (the guest keeps running), or the core's refusal
     */
    public synchronized HandoverPlan exec() {
        // Until a kernel has run, the image goes straight to its destinations (no page list to walk).
        return withGuestStopped("exec: vCPUs stopped",
                () -> handedOver ? kexec.exec(ImageType.DEFAULT, new HeldAtGate(null)) : kexec.execFirst(this::handOver));
    }

    /**
     * Xen's {@code KEXEC_CMD_kexec}: executes the image of {@code type} — default images by
     * {@link #exec()}, crash images by the crash path ({@link #crash}).
     */
    public synchronized ExecOutcome exec(ImageType type) {
        return type == ImageType.CRASH ? new ExecOutcome.Crashed(execCrash("exec of the crash image"))
                : new ExecOutcome.HandedOver(exec());
    }

    /** Whether the slot of {@code type} holds an image (Xen's {@code KEXEC_CMD_kexec_status}). */
    public boolean status(ImageType type) {
        return kexec.status(type);
    }

    /** What the slot of {@code type} holds, read under the core's lock: never a torn image. */
    public java.util.Optional<ImageInfo> image(ImageType type) {
        return kexec.image(type);
    }

    /** Xen's {@code KEXEC_CMD_kexec_get_range}. */
    public PhysicalRange getRange(int range, int nr) {
        return kexec.getRange(range, nr);
    }

    /** The vCPUs' run state as QEMU reports it. */
    public RunState runState() {
        return qemu.status().state();
    }

    /** Stops the vCPUs (nothing else changes); returns whether they were running. */
    public synchronized boolean pause() {
        return stopGuest();
    }

    /** Lets a paused guest run again (a guest paused in its panic goes on panicking). */
    public synchronized void resume() {
        qemu.resume();
    }

    /**
     * Exec of the crash image (the operator's {@code exec crash}, the guest's hypercall): the crash
     * path, refused with -EBUSY while the crash kernel runs over that image (nothing is captured,
     * the crash notes of the crash it is reading stay as they are).
     */
    synchronized CrashOutcome execCrash(String reason) {
        if (kexec.crashKernelRunning()) {
            throw new KexecException(Errno.EBUSY, "type", "the crash kernel is running over the crash image: exec of the crash image refused");
        }
        return crash(reason);
    }

    /**
     * The crash path. Returns once the crash kernel has been entered, the dump is written, or the
     * guest is left paused. It takes this machine's lock, so a crash that arrives while a load or
     * unload is under way runs when that operation is done, with whatever crash image it left loaded.
     *
     * <ol>
     *   <li>stop the vCPUs and capture each one's registers into its crash note;</li>
     *   <li>find the guest kernel's VMCOREINFO in RAM and copy it, with {@code CRASHTIME=}, into
     *       jkexec's VMCOREINFO page (zeros when there is none: one line says why);</li>
     *   <li>{@code --on-panic dump|both}: write the host-side dump (a failure leaves the guest paused);</li>
     *   <li>{@code crash-kernel|both}: verify the crash image, rewrite its ELF core header for the
     *       crashed kernel (direct-map vaddrs, kernel-text load) and enter it; with none, or a damaged
     *       one, write the host-side dump instead.</li>
     * </ol>
     */
    public synchronized CrashOutcome crash(String reason) {
        // stop and the register dump go out together; the still guest's work starts at stop's answer.
        QemuMachine.PendingCpuStates registers = qemu.stopForCpuStates();
        dev.jkexec.platform.BootProfile.mark("crash: vCPUs stopped");
        OnPanic mode = options.onPanic();
        // The guest is stopped, so the crash image's bytes in its RAM are still: their digest runs
        // now, alongside the vCPU capture and the search for the guest's kernel, and the core checks
        // it before anything is handed over.
        DigestAhead ahead = mode == OnPanic.PAUSE || mode == OnPanic.DUMP || kexec.crashKernelRunning() ? DigestAhead.NONE
                : kexec.digestAhead(ImageType.CRASH);
        // The guest's kernel is looked for in its RAM while QEMU answers for the vCPUs' registers,
        // on this thread: it would only wait for the reply, and a thread of its own had to be
        // scheduled first on a loaded host (up to 12 ms measured, for a 0.3 ms probe with the hint).
        java.util.concurrent.CompletableFuture<GuestKernel> kernel = now(() -> Dumps.probe(memory(), toolstack.oldRam()));
        crashTime = java.time.Instant.now().getEpochSecond();
        List<CpuState> cpus = registers.await();
        dev.jkexec.platform.BootProfile.mark("crash: vCPU registers read");
        List<byte[]> notes = new ArrayList<>();
        for (CpuState cpu : cpus) {
            if (cpu.cpu() < layout().cpus()) {
                CrashNote.write(memory(), layout().crashNote(cpu.cpu()), MachineLayout.CRASH_NOTE_SIZE, cpu.cpu(),
                        cpu.registers());
                notes.add(CrashNote.encode(cpu.cpu(), cpu.registers()));
            }
        }
        DumpSource src = source(cpus, notes, crashTime, join(kernel));
        dev.jkexec.platform.BootProfile.mark("crash: guest kernel found (VMCOREINFO, address space, vCPU context)");
        boolean noteWritten = VmcoreInfoPage.write(memory(), kexec.config().vmcoreinfo(), src.vmcoreinfo());
        String line = src.vmcoreinfo() != null && !noteWritten
                ? "VMCOREINFO of " + src.vmcoreinfo().osRelease() + " too long for jkexec's page; left out of the crash kernel's header"
                : src.vmcoreinfoLine();
        CrashOutcome outcome;
        CoreDump.Written core = null;
        if (mode == OnPanic.PAUSE) {
            outcome = new CrashOutcome.Paused(reason, "--on-panic pause: the guest stays paused; jkexec dump FILE writes it", line);
        } else if (mode == OnPanic.DUMP || mode == OnPanic.BOTH) {
            try {
                core = writeCore(src);
            } catch (DumpTarget.DumpException e) {
                outcome = dumpFailed(reason, e, line);
                emit(new MachineEvent.Crashed(outcome));
                return outcome;
            }
            outcome = mode == OnPanic.DUMP ? new CrashOutcome.Dumped(reason, "--on-panic dump", core, line) : null;
        } else {
            outcome = null;
        }
        if (outcome == null) {
            String why;
            try {
                HandoverPlan plan = kexec.exec(ImageType.CRASH, new HeldAtGate(p -> crashHeaderWrite(p, src, noteWritten)), ahead);
                emit(new MachineEvent.HandedOver(plan));
                outcome = new CrashOutcome.CrashKernel(reason, plan, cpus.size(), core, line);
                why = null;
            } catch (ImageDamagedException e) {
                why = "crash image damaged (" + e.getMessage() + ")";
            } catch (KexecException e) {
                if (e.errno() != Errno.ENOENT && e.errno() != Errno.EBUSY) {
                    throw e;
                }
                why = e.errno() == Errno.ENOENT ? "no crash image loaded" : "the crash kernel itself crashed";
            }
            if (outcome == null) {
                try {
                    outcome = new CrashOutcome.Dumped(reason, why, core != null ? core : writeCore(src), line);
                } catch (DumpTarget.DumpException e) {
                    outcome = dumpFailed(reason + "; " + why, e, line);
                }
            }
        }
        emit(new MachineEvent.Crashed(outcome));
        return outcome;
    }

    /** What a dump of the paused guest is made of: its RAM, the vCPU notes, its kernel as found in RAM, the vCPUs' context. */
    private DumpSource source(List<CpuState> cpus, List<byte[]> notes, long when) {
        return source(cpus, notes, when, Dumps.probe(memory(), toolstack.oldRam()));
    }

    private DumpSource source(List<CpuState> cpus, List<byte[]> notes, long when, GuestKernel kernel) {
        long[] rips = cpus.stream().mapToLong(c -> c.registers().rip()).toArray();
        long[] rsps = cpus.stream().mapToLong(c -> c.registers().gpr().rsp()).toArray();
        return DumpSource.of(memory(), toolstack.oldRam(), notes, kernel, when, rips, rsps);
    }

    /** Runs {@code work} now, its result or failure kept for {@link #join} (after QEMU's answer was awaited). */
    private static <T> java.util.concurrent.CompletableFuture<T> now(java.util.function.Supplier<T> work) {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        try {
            f.complete(work.get());
        } catch (RuntimeException | Error e) {
            f.completeExceptionally(e);
        }
        return f;
    }

    /** The result of {@link #now} work, its failure rethrown as it was thrown. */
    private static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }

    private static CrashOutcome dumpFailed(String reason, DumpTarget.DumpException e, String line) {
        return new CrashOutcome.Paused(reason, "dump failed: " + e.getMessage()
                + "; the guest stays paused: retry with jkexec dump FILE in another place", line);
    }

    /** Writes a host-side ELF core of the guest to {@code file}; the guest is paused meanwhile. */
    public CoreDump.Written dump(Path file) {
        return dump(file, DumpFormat.ELF, dev.jkexec.core.crash.PageFilter.ALL, false, DumpProgress.NONE);
    }

    /**
     * Writes a host-side dump of the guest to {@code file} (never replacing a file unless
     * {@code overwrite}, never anything but a regular file); the guest is paused meanwhile and
     * resumed afterwards if it was running. After a crash the guest stays paused, so a failed dump
     * can be retried elsewhere.
     *
     * @param level makedumpfile's dump level, for the kdump formats
     */
    public synchronized CoreDump.Written dump(Path file, DumpFormat format, int level, boolean overwrite, DumpProgress progress) {
        DumpTarget target = DumpTarget.open(file, overwrite);
        boolean wasRunning = stopGuest();
        try {
            List<CpuState> cpus = qemu.cpuStates();
            List<byte[]> notes = new ArrayList<>();
            for (CpuState cpu : cpus) {
                notes.add(CrashNote.encode(cpu.cpu(), cpu.registers()));
            }
            long when = crashTime != 0 && !wasRunning ? crashTime : java.time.Instant.now().getEpochSecond();
            return Dumps.write(target, source(cpus, notes, when), format, level, progress);
        } finally {
            target.close();
            if (wasRunning) {
                qemu.resume();
            }
        }
    }

    /**
     * An image planned by a toolstack carries the memory map it was placed in and whose e820 its
     * zero page tells the kernel ({@link KexecImage#plannedFor()}): on a machine with another map,
     * the kernel would take jkexec's reserved regions for RAM. Such an image is refused (-EINVAL);
     * an image without a map (built elsewhere, or by the binary ABI) is not checked.
     */
    static void checkPlannedFor(KexecImage image, MachineLayout layout) {
        MemoryMap planned = image.plannedFor();
        if (planned != null && !planned.equals(layout.guestMemoryMap())) {
            throw new KexecException(Errno.EINVAL, "plannedFor", "the image was planned for a guest with "
                    + (planned.total(E820Type.RAM) >> 20) + " MiB of RAM in " + planned.ranges().size()
                    + " ranges, not for this machine's memory map (" + (layout.guestMemoryMap().total(E820Type.RAM) >> 20)
                    + " MiB in " + layout.guestMemoryMap().ranges().size() + " ranges)");
        }
    }

    /** The firmware's last progress report (see {@link HandoverBlock.Status}). */
    public String firmwareStatus() {
        return HandoverBlock.Status.name(HandoverBlock.status(memory(), layout()));
    }

    private CoreDump.Written writeCore(DumpSource src) {
        DumpFormat f = options.dumpFormat();
        String name = "jkexec-core-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"))
                + (f == DumpFormat.ELF ? ".elf" : ".kdump");
        return Dumps.write(DumpTarget.open(options.dumpDirectory(), name, false), src, f, dev.jkexec.core.crash.PageFilter.ALL,
                DumpProgress.NONE);
    }

    /**
     * The crash handover: first the crash image's ELF core header is rewritten for the kernel that
     * crashed — when it is the toolstack's image whose header jkexec placed (same digest) — with
     * the VMCOREINFO note when one was copied, the kernel-text load and direct-map vaddrs.
     */
    /**
     * The crash image's ELF core header for the kernel that crashed, encoded now (the guest stopped);
     * the returned write puts it in place. Null when the image is not the one whose header jkexec
     * built, or the header outgrew its room: then the header stays as loaded.
     */
    private Runnable crashHeaderWrite(HandoverPlan plan, DumpSource src, boolean noteWritten) {
        CrashHeader h = crashHeader;
        if (h == null || !h.sha256().equals(plan.sha256())) {
            return null;
        }
        CrashEnvironment env = noteWritten ? h.env()
                : new CrashEnvironment(h.env().crashRegion(), h.env().cpuNotes(), null, h.env().oldRam());
        byte[] header = ElfCoreHeader.encode(env, h.backup(), src.space(), src.context());
        if (header.length > h.room()) {
            return null;
        }
        return () -> {
            memory().zero(h.address(), h.room());
            memory().write(h.address(), header);
        };
    }

    /**
     * The handover of {@link #exec} and the crash path: the firmware is told to wait at its gate
     * before the image's entry, so that the core verifies the image's digest while the vCPU walks
     * the page list (exec) or refreshes the crash region (crash) instead of before the reset. The
     * image is entered only once the digest matched ({@link #release}); on a mismatch the firmware
     * is told to halt and the guest is stopped ({@link #refuse}), so no byte of a damaged image runs.
     *
     * <p>Why hashing then is sound: until the gate opens nothing runs on the vCPU but the ROM
     * firmware (the old kernel is gone with the reset, devices are reset, no DMA is in flight), and
     * the firmware only reads the image, or writes back in place each quadword it just read (the
     * refresh), so every byte the hash reads is the byte the image will be entered with. A crash
     * image is hashed in guest RAM (the hash started when the vCPUs stopped), a default image in
     * jkexec's own held block. The crash image's ELF core header (part of the hashed image) is
     * rewritten only after the digest matched and the firmware reached the gate, so it neither
     * changes bytes under the hash nor races the refresh's write-back of the same page.
     */
    private final class HeldAtGate implements HandoverTarget {
        /** Encodes what must be written after the verdict and before the entry (the crash header), or null. */
        private final java.util.function.Function<HandoverPlan, Runnable> beforeEntry;
        private Runnable pending;

        HeldAtGate(java.util.function.Function<HandoverPlan, Runnable> beforeEntry) {
            this.beforeEntry = beforeEntry;
        }

        @Override
        public void handOver(HandoverPlan plan) {
            Runnable write = beforeEntry == null ? null : beforeEntry.apply(plan);
            if (write != null) {
                write.run();
            }
            dev.jkexec.platform.BootProfile.mark("crash: ELF core header rewritten");
            Machine.this.handOver(plan, false);
        }

        @Override
        public boolean holdsEntry() {
            return true;
        }

        @Override
        public void handOverHeld(HandoverPlan plan) {
            pending = beforeEntry == null ? null : beforeEntry.apply(plan);
            Machine.this.handOver(plan, true);
        }

        @Override
        public void release() {
            if (pending != null) {
                awaitFirmwareAtGate();
                pending.run();
                dev.jkexec.platform.BootProfile.mark("crash: ELF core header rewritten (at the gate)");
            }
            HandoverBlock.openGate(memory(), layout());
        }

        @Override
        public void refuse(ImageDamagedException damage) {
            HandoverBlock.refuseGate(memory(), layout());
            // Until the firmware has seen the verdict and halted, then stopped: its status says what happened.
            awaitFirmware(HandoverBlock.Status.REFUSED);
            stopGuest();
        }
    }

    /**
     * Waits until the firmware has finished its refresh and waits at the gate (or has halted, or
     * QEMU is gone): a host write into a refreshed range before that could be overwritten by the
     * refresh's write-back of the quadword it read just before.
     */
    private void awaitFirmwareAtGate() {
        awaitFirmware(HandoverBlock.Status.AT_GATE);
    }

    /** Waits until the firmware reports {@code status}, or has halted, or QEMU is gone (at most a minute). */
    private void awaitFirmware(int status) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline && qemu.isAlive()) {
            long s = HandoverBlock.status(memory(), layout());
            if (s == status || s == HandoverBlock.Status.NO_HANDOVER || s == HandoverBlock.Status.REFUSED) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000);
        }
    }

    /** The core's handover callback: runs under the kexec lock, with the guest stopped. */
    private void handOver(HandoverPlan plan) {
        handOver(plan, false);
    }

    /** Writes the handover block (the entry held at the firmware's gate if {@code held}), resets and resumes. */
    private void handOver(HandoverPlan plan, boolean held) {
        List<HandoverBlock.Range> refresh = new ArrayList<>();
        for (PhysicalRange r : plan.inPlaceRanges()) {
            refresh.add(new HandoverBlock.Range(r.start(), r.size()));
        }
        // jkexec's own pages are rewritten on every handover: a guest could have scribbled on them.
        AcpiTables.write(memory(), layout());
        if (plan.type() == ImageType.DEFAULT) {
            VmcoreInfoPage.write(memory(), kexec.config().vmcoreinfo(), null); // a new kernel: no crash to describe yet
            memory().zero(MachineLayout.VMCOREINFO_HINT, VmcoreInfoHint.MAX); // nor a hint from the kernel it replaces
            crashTime = 0;
        }
        // The next kernel finds the hypercall window in the mailbox, with no buffer allocated.
        Hypercalls.beforeHandover(memory(), layout());
        List<HandoverBlock.Range> unmapped = new ArrayList<>();
        if (options.faults().contains(Fault.ZERO_PAGE_UNMAPPED)) {
            // Typed by the toolstack's plan; a raw-ABI image has none, and then nothing is left out.
            plan.zeroPage().ifPresent(zp -> unmapped.add(new HandoverBlock.Range(zp, Paging.PAGE_SIZE)));
        }
        // The BIOS (vectors, data area, e820 for int 15h) for default EM_386 images: the real-mode
        // setup code and Multiboot kernels read it. Never on a crash: low memory is the old guest's.
        BiosData.Answers bios = plan.type() == ImageType.DEFAULT && plan.arch() == Arch.I386
                ? BiosData.answers(layout().guestMemoryMap()) : null;
        // Under TCG the old kernel's translated code must go before the walk overwrites it: QEMU
        // flushes the whole cache (one gdbstub single step after the reset), else the firmware's
        // fw_cfg DMA over the destinations makes QEMU drop it range by range. Only a page list
        // needs it (a crash handover has none), and only once a guest has run.
        boolean flush = plan.type() == ImageType.DEFAULT && plan.pageListHead() != 0
                && qemu.canFlushTranslations() && qemu.vcpusMayHaveRun();
        HandoverBlock.write(memory(), layout(), new HandoverBlock.Contents(plan.arch(), plan.entry(),
                plan.pageListHead(), refresh, unmapped, bios, held, !flush));
        dev.jkexec.platform.BootProfile.mark("exec: handover block written");
        handedOverAt = Instant.now();
        handedOver = true;
        guestFirstLine = qemu.console().mark();
        panicTaken.set(false);
        if (flush) {
            if (qemu.resetAndFlushTranslations()) {
                dev.jkexec.platform.BootProfile.mark("exec: system_reset + translations flushed");
            } else {
                HandoverBlock.enableDmaOverwrite(memory(), layout()); // correct without the flush, only slower
                dev.jkexec.platform.BootProfile.mark("exec: system_reset, translation flush failed: DMA step on");
            }
            qemu.resume();
        } else {
            qemu.resetAndResume();
        }
        dev.jkexec.platform.BootProfile.mark("exec: system_reset + cont");
        if (dev.jkexec.platform.BootProfile.enabled()) {
            Thread.ofPlatform().daemon().name("jkexec-profile-firmware").start(this::profileFirmware);
        }
    }

    /**
     * Once a crash image is loaded (the first time in a machine), reads the vCPU registers once on
     * a daemon thread and encodes a crash note from them, then looks for the guest's kernel in its
     * RAM: the first {@code info registers} a QEMU answers costs it some 50 ms more than the next
     * ones (measured, TCG), and the parser's and the kernel probe's first runs are cold too (the
     * probe's cold run was 55 ms of a 140 ms stop-to-cont, warm 6-37 ms); a crash would otherwise
     * pay them between its panic and the crash kernel. Not at every handover: a boot should not
     * share QEMU's main loop with it. The values are thrown away (the guest may be running); the
     * crash reads its own.
     */
    private void warmCrashPath(ImageType loaded) {
        if (loaded == ImageType.CRASH && crashPathWarm.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("jkexec-crash-warmup").start(this::readRegistersOnce);
        }
    }

    private void readRegistersOnce() {
        try {
            for (CpuState cpu : qemu.cpuStates()) {
                CrashNote.encode(cpu.cpu(), cpu.registers());
            }
        } catch (RuntimeException e) {
            // a QEMU gone or a register dump taken mid-instruction: the crash path reads its own
        }
        try {
            // The search for the guest's kernel runs cold otherwise (its classes loaded, its scan
            // interpreted) between the panic and the crash kernel; it only reads guest RAM.
            Dumps.probe(memory(), toolstack.oldRam());
        } catch (RuntimeException e) {
            // a running guest's RAM read mid-change: the crash path probes the stopped guest again
        }
        // The crash image's compare with its pristine copy, cold, took most of a crash's stop →
        // entry once the refresh was gone (the firmware waited at its gate for it); two rounds get
        // it compiled. It only reads: the region and jkexec's copy.
        kexec.warmCrashCompare(2);
    }

    /** Profiling only: reports each firmware status as it appears in the handover block. */
    private void profileFirmware() {
        long last = -1;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!closed && System.nanoTime() < deadline) {
            long s = HandoverBlock.status(memory(), layout());
            if (s != last) {
                String dma = s == HandoverBlock.Status.DMA_OVERWRITTEN || s == HandoverBlock.Status.DMA_FAILED
                        ? String.format(" (%d bytes, item control 0x%x, error word 0x%x)", HandoverBlock.dmaBytes(memory(), layout()),
                                HandoverBlock.dmaControl(memory(), layout()), HandoverBlock.dmaError(memory(), layout())) : "";
                dev.jkexec.platform.BootProfile.mark("firmware: " + HandoverBlock.Status.name(s) + dma);
                last = s;
                if (s == HandoverBlock.Status.ENTERING_64 || s == HandoverBlock.Status.ENTERING_32) {
                    return;
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
        }
    }

    /** Stops the vCPUs; returns whether they were running. */
    private boolean stopGuest() {
        RunState s = qemu.status().state();
        if (s == RunState.RUNNING) {
            qemu.pause();
            return true;
        }
        return false;
    }

    private void onQmpEvent(QmpEvent e) {
        if (closed) {
            return;
        }
        // instanceof, not a pattern switch, whose bootstrap (a class spun at every JVM start) ran at the
        // first boot's RESET event, beside the handover (docs/boot-profile.md, branch cliwindow).
        if (e instanceof QmpEvent.GuestPanicked p) {
            if (p.timestamp().isBefore(handedOverAt) || !panicTaken.compareAndSet(false, true)) {
                return; // the panic of a guest already replaced, or already taken from its console
            }
            onPanic("pvpanic", "guest panicked");
        } else if (e instanceof QmpEvent.Reset r && r.guest()) {
            if (!r.timestamp().isBefore(handedOverAt)) {
                Thread.ofPlatform().daemon().name("jkexec-guest-reset").start(() -> onGuestReset(r.reason()));
            }
        }
    }

    /**
     * The fallback for a guest without pvpanic: its console's {@code Kernel panic - not syncing}
     * line. Only a line of the running guest counts, and a panic is taken once, however it is
     * reported. The crash runs on its own thread: the console keeps reading meanwhile.
     */
    private void onConsoleLine(ConsoleLine line) {
        if (closed || line.index() < guestFirstLine || !PANIC_LINE.matcher(line.text()).find()) {
            return;
        }
        if (panicTaken.compareAndSet(false, true)) {
            Thread.ofPlatform().daemon().name("jkexec-console-panic").start(() -> onPanic("console", "guest panicked (console)"));
        }
    }

    /**
     * A guest that resets right after its {@code Kernel panic -} line (Linux with {@code panic=-1}
     * and no pvpanic: it reboots, and the firmware halts) panicked: its memory is intact, so the
     * crash path still runs. Any other guest reset is reported as one. The console may deliver the
     * panic line a moment after QMP reports the reset, so it is given {@link #PANIC_LINE_GRACE}.
     */
    private void onGuestReset(String reason) {
        if (panicTaken.get()) {
            return; // the reset of a guest whose panic is being handled
        }
        boolean panicked;
        try {
            qemu.console().awaitLine(PANIC_LINE, PANIC_LINE_GRACE, guestFirstLine);
            panicked = true;
        } catch (RuntimeException e) {
            panicked = false;
        }
        if (panicked) {
            if (panicTaken.compareAndSet(false, true)) {
                onPanic("console", "guest panicked and reset (console)");
            }
        } else if (!closed) {
            emit(new MachineEvent.GuestReset(reason));
        }
    }

    private void onPanic(String how, String reason) {
        dev.jkexec.platform.BootProfile.mark("crash: panic noticed (" + how + ", on " + Thread.currentThread().getName() + ")");
        emit(new MachineEvent.GuestPanicked(how));
        if (options.crashOnPanic()) {
            try {
                crash(reason);
            } catch (RuntimeException ex) {
                if (!closed) {
                    emit(new MachineEvent.CrashFailed(ex));
                }
            }
        }
    }

    /** Tells listeners something about the hypercall channel the operator should know (once per kind). */
    public void note(String message) {
        emit(new MachineEvent.HypercallNote(message));
    }

    private void emit(MachineEvent e) {
        for (Consumer<MachineEvent> l : listeners) {
            l.accept(e);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            if (hypercalls != null) {
                hypercalls.close();
            }
            kexec.close();
        } finally {
            qemu.close();
        }
    }
}
