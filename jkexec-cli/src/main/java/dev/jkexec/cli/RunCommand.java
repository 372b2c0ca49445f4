package dev.jkexec.cli;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.Toolstack;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jkexec run}: a machine booting one kernel through jkexec's handover, with its serial
 * console on the terminal (interactive; Ctrl-] quits) or scripted ({@code --exit-on}, {@code --timeout}).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Boot a kernel on a jkexec machine (QEMU + jkexec's firmware): the first boot is a kexec handover.",
            "Interactive: the serial console is on your terminal; press Ctrl-] to quit.",
            "Exit status: 0 quit or --exit-on matched, 1 error, 3 timeout, 4 the guest rebooted, 5 the guest halted,",
            "6 the guest crashed and was dumped (no crash kernel, or --on-panic dump). A crashed guest left paused",
            "(--on-panic pause, or a dump that failed) keeps the machine running for jkexec dump FILE."})
final class RunCommand implements java.util.concurrent.Callable<Integer> {
    static final int TIMEOUT = 3;
    static final int REBOOTED = 4;
    static final int HALTED = 5;
    static final int DUMPED = 6;
    private static final int ESCAPE = 0x1d; // Ctrl-]
    /** How long after the handover the API socket opens when the kernel prints no banner before. */
    private static final long API_DELAY_MS = 1000;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    MachineArgs machine;

    @Mixin
    KernelOptions kernel;

    @Option(names = "--dom0", description = "the busybox guest with Debian's kexec-tools, libxenctrl 4.17 and jkexec's dom0 shim: "
            + "kexec in the guest loads through the hypercall (/boot/vmlinuz is the kernel, /boot/initrd its initramfs)")
    boolean dom0;

    @Option(names = "--crash-kernel", paramLabel = "K", description = "also load this kernel as the crash image (busybox guest unless --crash-initrd)")
    Path crashKernel;

    @Option(names = "--crash-initrd", paramLabel = "I", description = "initrd of the crash kernel (default: the busybox guest)")
    Path crashInitrd;

    @Option(names = "--crash-append", paramLabel = "S", description = "command line of the crash kernel (default: --append)")
    String crashAppend;

    @Option(names = "--crash-entry", paramLabel = "64|32", description = "entry mode of the crash kernel (default: 64)")
    Integer crashEntry;

    @Option(names = "--on-panic", paramLabel = "crash-kernel|dump|both|pause", defaultValue = "crash-kernel",
            description = "what a guest panic does: enter the crash kernel (a host-side dump when there is none), write a host-side dump,"
                    + " both (dump, then the crash kernel), or pause the guest (default ${DEFAULT-VALUE})")
    String onPanic;

    @Option(names = "--dump-format", paramLabel = "elf|kdump-zlib|kdump-zstd", defaultValue = "elf",
            description = "format of the host-side dump a panic writes into --dump-dir (default ${DEFAULT-VALUE})")
    String dumpFormat;

    @Option(names = "--exit-on", paramLabel = "REGEX", description = "exit 0 when a console line matches")
    String exitOn;

    @Option(names = "--timeout", paramLabel = "S", converter = Converters.Seconds.class, description = "give up S seconds after the command started (exit 3)")
    Double timeout;

    @Option(names = "--quiet", description = "do not copy the console to standard output")
    boolean quiet;

    @Option(names = "--api", paramLabel = "SOCKET",
            description = "the REST API socket for jkexec ctl / jkexec dump / curl --unix-socket (default: jkexec-<pid>.sock in $TMPDIR/jkexec-$USER, mode 0700)")
    Path api;

    @Override
    public Integer call() throws Exception {
        // --timeout counts from here, as a user times the command: reading, decompressing and
        // planning the kernel, QEMU's start and the first boot are inside it.
        long startedAt = System.nanoTime();
        Pattern exit = compile(exitOn);
        if (crashKernel == null && (crashInitrd != null || crashAppend != null || crashEntry != null)) {
            throw new UsageException("--crash-initrd, --crash-append and --crash-entry describe the --crash-kernel; give it");
        }
        dev.jkexec.image.plan.EntryMode crashMode = KernelOptions.entry("--crash-entry", crashEntry != null ? crashEntry : 64);
        KernelSpec given = kernel.spec(ImageType.DEFAULT, dev.jkexec.machine.Initrd.NONE, true);
        if (dom0 && given.initrd() instanceof dev.jkexec.machine.Initrd.File) {
            throw new UsageException("--dom0: the dom0 guest is its own initrd; drop --initrd");
        }
        machine.layout(); // the options that must fit together, before any file
        // Every file is checked before QEMU starts: a FIFO, a device or a directory is refused by name
        // at once, and a file larger than the guest's RAM before a byte of it is read.
        Inputs.check("kernel", given.kernel(), machine.ram);
        if (given.initrd() instanceof dev.jkexec.machine.Initrd.File f) {
            Inputs.check("initrd", f.path(), machine.ram);
        }
        Inputs.check("crash-kernel", crashKernel, machine.ram);
        Inputs.check("crash-initrd", crashInitrd, machine.ram);
        for (String m : given.modules()) {
            String file = m.strip().split("\\s+", 2)[0];
            if (!file.equals(KernelSpec.BUSYBOX_MODULE)) {
                Inputs.check("module", dev.jkexec.platform.InputFile.path("module", file), machine.ram);
            }
        }
        boolean interactive = exitOn == null && timeout == null && Terminal.interactive();
        PrintStream err = System.err;
        CompletableFuture<Integer> end = new CompletableFuture<>();
        Path socket = api != null ? api : ApiSocket.defaultPath();
        ApiSocket.prepare(socket, api == null); // a file in the way is refused before QEMU starts
        dev.jkexec.machine.MachineOptions options = machine.options().onPanic(dev.jkexec.machine.OnPanic.parse(onPanic))
                .dumpFormat(dev.jkexec.machine.crash.DumpFormat.parse(dumpFormat)).build();
        dev.jkexec.platform.BootProfile.mark("cli: options parsed");
        // The API socket opens on another thread once the kernel's banner is on the console, or a
        // second after the handover should no banner come: Jetty's start (~0.3 s of CPU, its classes
        // and threads) beside the booting guest slowed the guest's early boot on a 2-core host (TCG's
        // vCPU thread shares them), so it now waits for the part of the boot that is measured. The
        // header line naming the socket is printed once it listens, so a client that waits for that
        // line can connect.
        CompletableFuture<Void> bannerOrLater = new CompletableFuture<>();
        // Added before the vCPUs run: the console's first line and the first event are seen.
        Consumer<Machine> listen = m -> {
            if (!quiet) {
                m.console().addRawListener(bytes -> {
                    System.out.write(bytes, 0, bytes.length);
                    System.out.flush();
                });
            }
            m.console().addLineListener(line -> {
                if (line.text().contains("Linux version")) {
                    dev.jkexec.platform.BootProfile.mark("kernel: banner");
                    bannerOrLater.complete(null);
                }
                if (exit != null && exit.matcher(line.text()).find()) {
                    end.complete(0);
                } else if (line.text().contains("reboot: System halted") || line.text().contains("reboot: Power down")) {
                    end.complete(HALTED);
                }
            });
            m.addListener(e -> onEvent(e, end, err));
            m.onExit().thenRun(() -> end.complete(1));
            dev.jkexec.platform.BootProfile.mark("cli: console listeners added, first boot asked");
        };
        // The plans need only the machine's layout (Toolstack.machineFree: the path plan takes too):
        // QEMU starts on another thread while this one reads and plans the kernels.
        List<String> notices = java.util.Collections.synchronizedList(new ArrayList<>()); // both plans add to it, on two threads
        java.util.function.Supplier<dev.jkexec.image.KexecImage> plan = () -> {
            try {
                KernelSpec spec = dom0 ? given.withInitrd(new dev.jkexec.machine.Initrd.File(dom0Initrd(given.kernel()))) : given;
                Toolstack.Prepared first = Toolstack.machineFree(options.layout()).prepare(spec);
                notices.addAll(first.notices());
                return first.plan().image();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        // A crash kernel is loaded before the first boot, as a panic early in it needs: its image is
        // planned beside the first one and written into the crash region while QEMU initialises, before
        // any vCPU ran (so the firmware has nothing to refresh at the crash).
        java.util.function.Supplier<dev.jkexec.image.plan.ImagePlan> crashPlan = crashKernel == null ? null : () -> {
            Toolstack.Prepared crash = Toolstack.machineFree(options.layout()).prepare(crashSpec(given, crashMode));
            notices.addAll(crash.notices());
            return crash.plan();
        };
        Machine started;
        try {
            started = Machine.boot(options, plan, crashPlan, listen);
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
        try (Machine m = started; Opening control = Opening.start(m, socket, api == null, bannerOrLater)) {
            for (String notice : notices) {
                err.println("jkexec: " + notice);
            }
            CompletableFuture.delayedExecutor(API_DELAY_MS, TimeUnit.MILLISECONDS).execute(() -> bannerOrLater.complete(null));
            ApiServer server = control.await();
            err.printf("jkexec: %s, RAM %d MiB, %d vCPU%s, %s; API: jkexec ctl --api %s%n", m.accelerator(),
                    m.layout().guestRam() >> 20, m.layout().cpus(), m.layout().cpus() == 1 ? "" : "s",
                    interactive ? "press Ctrl-] to quit" : "scripted", server.socket());
            int status;
            if (interactive) {
                try (Terminal t = Terminal.raw()) {
                    Thread input = Thread.ofPlatform().daemon().start(() -> pump(System.in, m, end));
                    status = end.get();
                    input.interrupt();
                }
                err.println();
            } else {
                status = await(end, timeout, startedAt);
            }
            dev.jkexec.platform.BootProfile.mark("cli: done (exit status " + status + ")");
            dev.jkexec.platform.BootProfile.report(err);
            if (status == 1 && !m.isAlive()) {
                err.println("jkexec: QEMU exited: " + m.describeProcess());
            }
            return status;
        }
    }

    /** The crash kernel as {@code --crash-*} describe it: the busybox guest unless {@code --crash-initrd}, {@code --append} unless {@code --crash-append}. */
    private KernelSpec crashSpec(KernelSpec given, dev.jkexec.image.plan.EntryMode crashMode) {
        return new KernelSpec(crashKernel, crashInitrd != null ? new dev.jkexec.machine.Initrd.File(crashInitrd)
                : dev.jkexec.machine.Initrd.BUSYBOX, crashAppend != null ? crashAppend : given.append(), crashMode, ImageType.CRASH,
                kernel.decompress(true) && crashMode == dev.jkexec.image.plan.EntryMode.BIT64, List.of(), given.modulesDir());
    }

    /**
     * The API server of a machine, opening on a thread of its own once {@code go} completes:
     * {@link #await} gives it (or its failure, as the CLI reports it), {@link #close} stops it
     * whether or not it was awaited (and, if it was not yet asked to open, keeps it from opening).
     */
    private record Opening(CompletableFuture<Void> go, CompletableFuture<ApiServer> server) implements AutoCloseable {
        static Opening start(Machine m, Path socket, boolean isDefault, CompletableFuture<Void> go) {
            return new Opening(go, go.thenApplyAsync(nothing -> {
                ApiServer control = ApiServer.start(m, socket, isDefault);
                dev.jkexec.platform.BootProfile.mark("cli: API socket open");
                return control;
            }, r -> Thread.ofPlatform().daemon().name("jkexec-api-start").start(r)));
        }

        ApiServer await() {
            try {
                return server.join();
            } catch (java.util.concurrent.CompletionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : e;
            }
        }

        @Override
        public void close() {
            go.cancel(false);
            try {
                server.join().close();
            } catch (java.util.concurrent.CompletionException | java.util.concurrent.CancellationException e) {
                // it never opened: nothing to close (await reported its failure, or the run failed first)
            }
        }
    }

    /** The dom0 guest for {@code kernel}, in a temporary file removed when jkexec exits. */
    private static Path dom0Initrd(Path kernel) throws java.io.IOException {
        Path f = java.nio.file.Files.createTempFile("jkexec-dom0-", ".initrd");
        f.toFile().deleteOnExit();
        return java.nio.file.Files.write(f, dev.jkexec.machine.guest.Dom0Guest.withNextInitrd(
                dev.jkexec.machine.guest.Dom0Guest.initrd(dev.jkexec.platform.GuestAssets.busybox(), kernel)));
    }

    /** The run's outcome, or {@link #TIMEOUT} once {@code seconds} have passed since {@code startedAt} (nanoTime). */
    private static int await(CompletableFuture<Integer> end, Double seconds, long startedAt) throws InterruptedException, ExecutionException {
        if (seconds == null) {
            return end.get();
        }
        long left = (long) (seconds * 1e9) - (System.nanoTime() - startedAt);
        try {
            return end.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            System.err.printf("jkexec: timeout after %s s%n", seconds);
            return TIMEOUT;
        }
    }

    private static void onEvent(MachineEvent e, CompletableFuture<Integer> end, PrintStream err) {
        // instanceof, not a pattern switch: the switch's bootstrap (a class spun at every JVM start; the
        // AOT cache does not keep it) ran at the first event, the handover, beside the kernel's entry →
        // banner (docs/boot-profile.md, branch cliwindow).
        if (e instanceof MachineEvent.GuestReset r) {
            err.println("\njkexec: the guest rebooted (" + r.reason() + "); jkexec's firmware has nothing to boot");
            end.complete(REBOOTED);
        } else if (e instanceof MachineEvent.Crashed c) {
            if (c.outcome() instanceof CrashOutcome.Dumped d) {
                err.println("\njkexec: " + d.vmcoreinfo());
                err.println("jkexec: the guest crashed (" + d.reason() + "), " + d.why() + "; core written to " + d.core().file()
                        + " (" + d.core().summary() + ")");
                end.complete(DUMPED);
            } else if (c.outcome() instanceof CrashOutcome.Paused p) {
                err.println("\njkexec: " + p.vmcoreinfo());
                err.println("jkexec: the guest crashed (" + p.reason() + "): " + p.why());
            } else if (c.outcome() instanceof CrashOutcome.CrashKernel k) {
                err.println("\njkexec: " + k.vmcoreinfo());
                if (k.core() != null) {
                    err.println("jkexec: core written to " + k.core().file() + " (" + k.core().summary() + ")");
                }
                err.println("jkexec: the guest crashed: entering the crash kernel");
            }
        } else if (e instanceof MachineEvent.Notice n) {
            err.println("jkexec: " + n.text());
        } else if (e instanceof MachineEvent.GuestPanicked p && p.how().equals("console")) {
            err.println("\njkexec: the guest panicked (seen on its console; no pvpanic)");
        } else if (e instanceof MachineEvent.HypercallNote n) {
            err.println("\njkexec: " + n.message());
        } else if (e instanceof MachineEvent.CrashFailed f) {
            err.println("\njkexec: crash handling failed: " + f.error().getMessage());
            end.complete(1);
        }
    }

    private static void pump(InputStream in, Machine m, CompletableFuture<Integer> end) {
        byte[] buf = new byte[256];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == ESCAPE) {
                        if (i > 0) {
                            m.console().send(java.util.Arrays.copyOf(buf, i));
                        }
                        end.complete(0);
                        return;
                    }
                }
                m.console().send(java.util.Arrays.copyOf(buf, n));
            }
        } catch (IOException | RuntimeException e) {
            end.complete(0);
        }
    }

    private static Pattern compile(String regex) {
        if (regex == null) {
            return null;
        }
        try {
            return Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new dev.jkexec.platform.JkexecException("--exit-on: invalid regex '" + regex + "': " + e.getDescription());
        }
    }
}
