package dev.jkexec.machine.scenario;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.control.MachineController;
import dev.jkexec.machine.control.MachineReply;
import dev.jkexec.machine.control.MachineRequest;
import dev.jkexec.machine.crash.CoreDump;
import dev.jkexec.machine.guest.Dom0Guest;
import dev.jkexec.machine.guest.GuestShell;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.qemu.process.Accel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Runs a {@link Scenario} on a fresh {@link Machine}: each step printed with its duration and
 * PASS/FAIL, selected console lines echoed beneath; the run stops at the first failing step.
 */
public final class ScenarioRunner {
    /** Console lines echoed while a scenario runs. */
    public static final Pattern ECHO = Pattern.compile("jkexec-guest: .*|mbtest: .*|.*(Linux version|Kernel panic|sysrq: |Xen version|Building a PV Dom0).*");

    /** Terminal control sequences (the guest shell's cursor queries) are not shown. */
    private static final Pattern CONTROL = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]|[\\p{Cntrl}&&[^\t]]");

    static String printable(String line) {
        return CONTROL.matcher(line).replaceAll("").strip();
    }

    /** One step's result. */
    public record StepResult(int index, Step step, boolean pass, Duration duration, String detail) {
    }

    /** The scenario's result. */
    public record Result(Scenario scenario, List<StepResult> steps, Duration total) {
        public boolean passed() {
            return !steps.isEmpty() && steps.stream().allMatch(StepResult::pass) && steps.size() == scenario.steps().size();
        }
    }

    private final PrintStream out;
    private final Consumer<MachineOptions.Builder> options;
    private final boolean echo;

    /**
     * @param out     where progress goes
     * @param options adjusts the machine (test hooks, accel, dump directory); the scenario's own
     *                {@code machine} settings come after it
     * @param echo    whether to echo matching console lines
     */
    public ScenarioRunner(PrintStream out, Consumer<MachineOptions.Builder> options, boolean echo) {
        this.out = out;
        this.options = options;
        this.echo = echo;
    }

    public Result run(Scenario s) {
        MachineLayout layout = layout(s.machine());
        MachineOptions.Builder b = MachineOptions.builder();
        options.accept(b);
        b.layout(layout);
        if (s.machine().accel() != null) {
            Accel accel = switch (s.machine().accel().toLowerCase(Locale.ROOT)) {
                case "tcg" -> Accel.TCG;
                case "kvm" -> Accel.KVM;
                default -> throw new ScenarioException("machine.accel: '" + s.machine().accel() + "' is neither tcg nor kvm");
            };
            b.hardware(h -> h.accel(Optional.of(accel)));
        }
        MachineOptions o = b.build();
        List<StepResult> results = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Machine m = Machine.start(o)) {
            out.printf("scenario %s: %s%n  machine: %d MiB guest RAM, %d MiB crash region, %d vCPU; %s%n", s.name(),
                    s.description(), layout.guestRam() >> 20, layout.crashSize() >> 20, layout.cpus(), m.accelerator());
            LinkedBlockingQueue<CrashOutcome> crashes = new LinkedBlockingQueue<>();
            m.addListener(e -> {
                if (e instanceof MachineEvent.Crashed c) {
                    crashes.add(c.outcome());
                } else if (e instanceof MachineEvent.Notice n) {
                    out.println("          note: " + n.text());
                } else if (e instanceof MachineEvent.GuestPanicked p && p.how().equals("console")) {
                    out.println("          note: the guest panicked (seen on its console; no pvpanic)");
                }
            });
            if (echo) {
                m.console().addLineListener(l -> {
                    if (ECHO.matcher(l.text()).matches()) {
                        out.printf("        %7.2fs | %s%n", l.sinceStart().toNanos() / 1e9, printable(l.text()));
                    }
                });
            }
            Run run = new Run(m, crashes);
            try {
            for (int i = 0; i < s.steps().size(); i++) {
                Step step = s.steps().get(i);
                out.printf("[%7.2fs] step %d/%d %s: %s%n", (System.nanoTime() - t0) / 1e9, i + 1, s.steps().size(), step.kind(),
                        step.title());
                if (step.say() != null) {
                    out.println("          " + run.substitute(step.say()));
                }
                long start = System.nanoTime();
                String detail;
                boolean pass;
                try {
                    detail = run.step(step);
                    pass = true;
                } catch (JkexecException | AssertionError e) {
                    detail = e.getMessage();
                    pass = false;
                }
                Duration d = Duration.ofNanos(System.nanoTime() - start);
                results.add(new StepResult(i, step, pass, d, detail));
                out.printf("          %s  %.2f s%s%n", pass ? "PASS" : "FAIL", d.toNanos() / 1e9,
                        detail == null || detail.isEmpty() ? "" : "  " + detail);
                if (!pass) {
                    break;
                }
            }
            } finally {
                run.deleteTemporaryFiles();
            }
        }
        Result r = new Result(s, results, Duration.ofNanos(System.nanoTime() - t0));
        out.printf("scenario %s: %s in %.2f s (%d of %d steps passed)%n", s.name(), r.passed() ? "PASS" : "FAIL",
                r.total().toNanos() / 1e9, results.stream().filter(StepResult::pass).count(), s.steps().size());
        return r;
    }

    private static MachineLayout layout(Scenario.Settings m) {
        MachineLayout d = MachineLayout.defaults();
        try {
            return new MachineLayout(m.ram() != null ? m.ram() : d.guestRam(), m.crashSize() != null ? m.crashSize() : d.crashSize(),
                    m.staging() != null ? m.staging() : d.stagingSize(), m.cpus() != null ? m.cpus() : d.cpus());
        } catch (IllegalArgumentException e) {
            throw new ScenarioException("machine: " + e.getMessage());
        }
    }

    /** One run's state: the machine, the console mark of the last action, crash outcomes. */
    private static final class Run {
        private final Machine m;
        /** Load, unload, exec, crash and dump go through it, as the REST API's do; boot, console and guest steps drive the machine. */
        private final MachineController control;
        private final LinkedBlockingQueue<CrashOutcome> crashes;
        private final java.util.Map<Path, Path> dom0Initrds = new java.util.HashMap<>();
        private long mark;

        Run(Machine m, LinkedBlockingQueue<CrashOutcome> crashes) {
            this.m = m;
            this.control = new MachineController(m);
            this.crashes = crashes;
        }

        /** One kexec request through the controller every front end uses, and its reply of the kind expected. */
        private <R extends MachineReply> R ask(MachineRequest request, Class<R> expected) {
            MachineReply reply = control.handle(request);
            if (!expected.isInstance(reply)) {
                throw new IllegalStateException(request + " answered " + reply);
            }
            return expected.cast(reply);
        }

        String step(Step step) {
            return switch (step) {
                case Step.Boot b -> {
                    mark = m.console().mark();
                    var plan = m.boot(spec(b.kernel(), ImageType.DEFAULT));
                    yield String.format("image entry 0x%x, %d segments relocated by the firmware", plan.entry(), plan.segments().size());
                }
                case Step.Load l -> {
                    var image = ask(new MachineRequest.Load(spec(l.kernel(), l.type())), MachineReply.Loaded.class).slot().image();
                    yield String.format("%s image, %d segments, entry 0x%x", l.type().label(), image.segments().size(), image.entry());
                }
                case Step.Unload u -> {
                    ask(new MachineRequest.Unload(u.type()), MachineReply.Done.class);
                    yield u.type().label() + " slot empty";
                }
                case Step.Exec e -> {
                    mark = m.console().mark();
                    yield switch (control.handle(new MachineRequest.Exec(e.type()))) {
                        case MachineReply.Crashed c -> describe(c.outcome());
                        case MachineReply.HandedOver h -> "handed over";
                        case MachineReply other -> throw new IllegalStateException("exec answered " + other);
                    };
                }
                case Step.Crash c -> {
                    mark = m.console().mark();
                    yield describe(ask(new MachineRequest.Crash("operator request"), MachineReply.Crashed.class).outcome());
                }
                case Step.Panic p -> {
                    mark = m.console().mark();
                    m.console().send("echo c > /proc/sysrq-trigger\n".getBytes(StandardCharsets.US_ASCII));
                    yield "typed: echo c > /proc/sysrq-trigger";
                }
                case Step.Type t -> {
                    mark = m.console().mark();
                    m.console().send(substitute(t.text()).getBytes(StandardCharsets.UTF_8));
                    yield "";
                }
                case Step.Expect e -> {
                    Pattern p = Pattern.compile(substitute(e.line()));
                    ConsoleLine line = m.console().awaitLine(p, e.timeout(), mark);
                    yield String.format("at %.2f s: %s", line.sinceStart().toNanos() / 1e9, printable(line.text()));
                }
                case Step.ExpectCrash e -> {
                    CrashOutcome c = poll(e.timeout());
                    boolean ok = e.outcome().equals("crash-kernel") == (c instanceof CrashOutcome.CrashKernel);
                    if (!ok) {
                        throw new AssertionError("expected " + e.outcome() + ", got: " + describe(c));
                    }
                    yield describe(c);
                }
                case Step.Guest g -> {
                    mark = m.console().mark();
                    GuestShell.Result r = GuestShell.run(m.console(), g.command(), g.timeout());
                    String last = r.output().lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
                    if (r.status() != g.status()) {
                        throw new AssertionError("exit " + r.status() + ", expected " + g.status() + (last.isEmpty() ? "" : ": " + printable(last)));
                    }
                    yield "exit " + r.status() + (last.isEmpty() ? "" : ": " + printable(last));
                }
                case Step.Dump d -> {
                    CoreDump.Written w = ask(new MachineRequest.Dump(d.file(), dev.jkexec.machine.crash.DumpFormat.parse(d.format()), d.level(), false),
                            MachineReply.Dumped.class).written();
                    yield String.format("%s: %d bytes, %d MiB of RAM, %d vCPU notes; %s", w.file(), w.bytes(), w.ramBytes() >> 20, w.cpus(),
                            w.summary());
                }
            };
        }

        private CrashOutcome poll(Duration timeout) {
            try {
                CrashOutcome c = crashes.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (c == null) {
                    throw new AssertionError("no crash within " + timeout.toSeconds() + " s");
                }
                return c;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }

        private KernelSpec spec(Step.Kernel k, ImageType type) {
            KernelSpec s = k.spec().withType(type).withAppend(substitute(k.spec().append()));
            return k.dom0() ? s.withInitrd(new dev.jkexec.machine.Initrd.File(dom0Initrd(s.kernel()))) : s;
        }

        /** The dom0 guest for {@code kernel} (A+B), written once per run into a temporary file. */
        private Path dom0Initrd(Path kernel) {
            return dom0Initrds.computeIfAbsent(kernel, k -> {
                try {
                    Path f = Files.createTempFile("jkexec-dom0-", ".initrd");
                    return Files.write(f, Dom0Guest.withNextInitrd(Dom0Guest.initrd(GuestAssets.busybox(), k)));
                } catch (java.io.IOException e) {
                    throw new JkexecException("writing the dom0 guest's initrd: " + e.getMessage(), e);
                }
            });
        }

        void deleteTemporaryFiles() {
            for (Path p : dom0Initrds.values()) {
                try {
                    Files.deleteIfExists(p);
                } catch (java.io.IOException e) {
                    // a temporary file left in /tmp is harmless
                }
            }
        }

        String substitute(String s) {
            long ram = dev.jkexec.machine.Toolstack.oldRam(m.layout()).stream().mapToLong(MemoryRange::size).sum();
            return s.replace("${guestRamBytes}", Long.toString(ram))
                    .replace("${mailbox}", String.format("0x%X", MachineLayout.MAILBOX));
        }

        private static String describe(CrashOutcome c) {
            return switch (c) {
                case CrashOutcome.CrashKernel k -> String.format("%s: %d vCPU notes written, %s; crash image verified and entered at 0x%x",
                        k.reason(), k.cpus(), k.vmcoreinfo(), k.plan().entry());
                case CrashOutcome.Dumped d -> String.format("%s: %s; core written to %s", d.reason(), d.why(), d.core().file());
                case CrashOutcome.Paused p -> String.format("%s: %s", p.reason(), p.why());
            };
        }
    }
}
