package dev.jkexec.machine.matrix;

import dev.jkexec.image.ImageType;
import dev.jkexec.image.multiboot.MultibootTestKernel;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.machine.verify.HandoverVerifier;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Runs the compatibility matrix: every {@link MatrixKernel} × {@link Column}, each cell on a fresh
 * jkexec machine (QEMU, TCG here), the way a user would run it:
 * <ul>
 *   <li><b>boot 64 / 32 / 16</b>: boot the kernel through that entry with the busybox guest (Xen:
 *       with Debian's 6.1 kernel and the busybox guest as its dom0) and wait for the guest's init
 *       marker (the test kernel: its last line);</li>
 *   <li><b>exec</b>: boot the 6.1 cloud kernel, then exec this kernel through its native entry;</li>
 *   <li><b>crash</b>: boot it with a marker in memory, load it as the crash kernel too, panic: the
 *       crash kernel must find the marker in {@code /proc/vmcore};</li>
 *   <li><b>verify</b>: the handover contract on the CPU at both boundaries, then the boot.</li>
 * </ul>
 * A cell is {@link Status#PASS} with its time, {@link Status#FAIL} with why, {@link Status#NA} when
 * the path does not exist for that kernel (a 32-bit kernel has no 64-bit entry; a Multiboot kernel
 * is entered at 32 bits and is never a crash kernel), or {@link Status#NO_DATA} when the kernel was
 * not fetched ({@code scripts/kernels.sh}).
 */
public final class CompatibilityMatrix {
    public enum Column {
        BOOT_64("boot 64"), BOOT_32("boot 32"), BOOT_16("boot 16"), EXEC("exec"), CRASH("crash"), VERIFY("verify");

        private final String label;

        Column(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public enum Status { PASS, FAIL, NA, NO_DATA }

    /** One cell: its status, how long it took, and what it saw or why it did not run. */
    public record Cell(Status status, double seconds, String detail) {
    }

    /** A row's cells, in column order. */
    public record Row(MatrixKernel kernel, Map<Column, Cell> cells) {
    }

    static final Duration WAIT = Duration.ofSeconds(240);
    static final String CONSOLE = "console=ttyS0,115200";
    static final String XEN_APPEND = "console=com1 com1=115200,8n1 dom0_mem=512M";

    private final PrintStream progress;
    private final Consumer<MachineOptions.Builder> options;
    private final Path work;

    /**
     * @param progress where each cell is reported as it finishes
     * @param options  adjusts every machine (dump directory, accel)
     * @param work     a directory for the built test kernel and any cores
     */
    public CompatibilityMatrix(PrintStream progress, Consumer<MachineOptions.Builder> options, Path work) {
        this.progress = progress;
        this.options = options;
        this.work = work;
    }

    /** Runs {@code columns} for every kernel of {@code kernels}. */
    public List<Row> run(List<MatrixKernel> kernels, List<Column> columns) {
        List<Row> rows = new ArrayList<>();
        for (MatrixKernel k : kernels) {
            Map<Column, Cell> cells = new LinkedHashMap<>();
            for (Column c : columns) {
                Cell cell = k.available() ? cell(k, c) : new Cell(Status.NO_DATA, 0, k.source() + " not here ("
                        + (k.source().startsWith("fetched:") ? "scripts/kernels.sh " + k.source().substring(8) : "test data") + ")");
                cells.put(c, cell);
                progress.printf("%-48s %-8s %-7s %6.1f s  %s%n", k.name(), c.label(), cell.status(), cell.seconds(), cell.detail());
            }
            rows.add(new Row(k, cells));
        }
        return rows;
    }

    private Cell cell(MatrixKernel k, Column c) {
        String na = notApplicable(k, c);
        if (na != null) {
            return new Cell(Status.NA, 0, na);
        }
        long t0 = System.nanoTime();
        try {
            String detail = switch (c) {
                case BOOT_64 -> boot(k, 64);
                case BOOT_32 -> boot(k, 32);
                case BOOT_16 -> boot(k, 16);
                case EXEC -> exec(k);
                case CRASH -> crash(k);
                case VERIFY -> verify(k);
            };
            return new Cell(Status.PASS, seconds(t0), detail);
        } catch (RuntimeException | AssertionError | InterruptedException | java.util.concurrent.ExecutionException
                 | java.util.concurrent.TimeoutException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
            return new Cell(Status.FAIL, seconds(t0), why.length() > 240 ? why.substring(0, 240) + "..." : why);
        }
    }

    /** Why a path does not exist for a kernel, or null when it does. */
    static String notApplicable(MatrixKernel k, Column c) {
        boolean multiboot = !k.linux();
        if (multiboot && (c == Column.BOOT_64 || c == Column.BOOT_16)) {
            return "a Multiboot kernel is entered in 32-bit protected mode (the Multiboot spec)";
        }
        if (multiboot && c == Column.CRASH) {
            return "a crash kernel is a Linux kernel reading /proc/vmcore";
        }
        if (k.kind() == MatrixKernel.Kind.LINUX_32 && c == Column.BOOT_64) {
            return "a 32-bit kernel has no 64-bit entry (XLF_KERNEL_64 clear)";
        }
        return null;
    }

    private Machine machine() {
        return machine(MachineLayout.defaults());
    }

    private Machine machine(MachineLayout layout) {
        return Machine.start(builder(layout).build());
    }

    private MachineOptions.Builder builder(MachineLayout layout) {
        MachineOptions.Builder b = MachineOptions.builder().layout(layout).dumpDirectory(work);
        options.accept(b);
        return b;
    }

    /**
     * A 32-bit crash kernel runs in its lowmem (below 0x36000000), and jkexec's crash region lies
     * right above guest RAM: its crash cell uses a 512 MiB guest, whose crash region is in reach.
     */
    static final MachineLayout CRASH_32 = MachineLayout.defaults().withGuestRam(512L << 20);

    private KernelSpec spec(MatrixKernel k, int entry, String gen) {
        return switch (k.kind()) {
            case LINUX_64, LINUX_32 -> KernelSpec.busybox(k.file().orElseThrow(), CONSOLE + " jkexec.gen=" + gen).withEntry(entry);
            case MULTIBOOT_XEN -> new KernelSpec(k.file().orElseThrow(), null, false, XEN_APPEND, 32, ImageType.DEFAULT, false,
                    List.of(GuestAssets.genericKernel() + " console=hvc0 jkexec.gen=" + gen, KernelSpec.BUSYBOX_MODULE), null);
            case MULTIBOOT_TEST -> new KernelSpec(testKernel(), null, false, "matrix gen=" + gen, 32, ImageType.DEFAULT);
        };
    }

    private static Pattern ready(MatrixKernel k, String gen) {
        return k.kind() == MatrixKernel.Kind.MULTIBOOT_TEST ? Pattern.compile(Pattern.quote(MultibootTestKernel.PREFIX + "done"))
                : Pattern.compile(Pattern.quote(GuestInit.READY) + " gen=" + gen + " .*");
    }

    private Path testKernel() {
        Path p = work.resolve("mbtest.bin");
        try {
            if (!Files.isRegularFile(p)) {
                Files.write(p, MultibootTestKernel.build());
            }
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String boot(MatrixKernel k, int entry) {
        try (Machine m = machine()) {
            long from = m.console().mark();
            m.boot(spec(k, entry, "b" + entry));
            return m.console().awaitLine(ready(k, "b" + entry), WAIT, from).text().strip();
        }
    }

    private String exec(MatrixKernel k) {
        try (Machine m = machine()) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(GuestAssets.cloudKernel(), CONSOLE + " jkexec.gen=a"));
            m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.READY) + " gen=a .*"), WAIT, from);
            m.load(spec(k, k.native_(), "x"));
            long mark = m.console().mark();
            m.exec();
            return "from 6.1 cloud: " + m.console().awaitLine(ready(k, "x"), WAIT, mark).text().strip();
        }
    }

    private String crash(MatrixKernel k) throws InterruptedException, java.util.concurrent.ExecutionException,
            java.util.concurrent.TimeoutException {
        boolean low = k.kind() == MatrixKernel.Kind.LINUX_32;
        try (Machine m = low ? machine(CRASH_32) : machine()) {
            CompletableFuture<CrashOutcome> crashed = new CompletableFuture<>();
            m.addListener(e -> {
                if (e instanceof MachineEvent.Crashed c) {
                    crashed.complete(c.outcome());
                }
            });
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(k.file().orElseThrow(), CONSOLE + " jkexec.gen=c1 jkexec.marker=matrix-" + k.kind().ordinal())
                    .withEntry(k.native_()));
            m.console().awaitLine(ready(k, "c1"), WAIT, from);
            m.load(KernelSpec.busybox(k.file().orElseThrow(), CONSOLE + " jkexec.gen=c2").withEntry(k.native_())
                    .withType(ImageType.CRASH));
            long mark = m.console().mark();
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            CrashOutcome outcome = crashed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (!(outcome instanceof CrashOutcome.CrashKernel)) {
                throw new JkexecException("the crash was not handed to the crash kernel: " + outcome);
            }
            m.console().awaitLine(ready(k, "c2"), WAIT, mark);
            String marker = m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.PREFIX) + "vmcore mailbox .*"), WAIT, mark)
                    .text().strip();
            if (!marker.endsWith(GuestInit.MARKER_PREFIX + "matrix-" + k.kind().ordinal())) {
                throw new JkexecException("the crash kernel did not find the marker: " + marker);
            }
            return (low ? "(512 MiB guest: the crash region must lie in the 32-bit crash kernel's lowmem) " : "") + marker;
        }
    }

    private String verify(MatrixKernel k) {
        try (Machine m = Machine.start(builder(MachineLayout.defaults()).crashOnPanic(false)
                .hardware(q -> q.gdbStub(true).cpuResetLog(true)).build())) {
            HandoverVerifier.Report r = new HandoverVerifier(m, WAIT).verify(spec(k, k.native_(), "v"), HandoverVerifier.BOOTED);
            long total = r.boundaries().stream().mapToLong(b -> b.results().size()).sum();
            List<String> failed = r.boundaries().stream().flatMap(b -> b.results().stream()).filter(x -> !x.pass())
                    .map(x -> x.rule() + ": " + x.detail()).toList();
            if (!failed.isEmpty()) {
                throw new JkexecException(failed.size() + " of " + total + " rules failed: " + String.join("; ", failed));
            }
            return "all " + total + " rules pass at " + r.boundaries().size() + " boundaries";
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
