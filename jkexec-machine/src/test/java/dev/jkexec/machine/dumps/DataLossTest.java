package dev.jkexec.machine.dumps;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.core.abi.AbiRequests;
import dev.jkexec.machine.hypercall.Dom0Hypercalls;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.OnPanic;
import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.machine.crash.DumpProgress;
import dev.jkexec.machine.crash.DumpTarget;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.qemu.qmp.RunState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.jkexec.platform.testing.NeedsQemu;

/**
 * Machine tests (QEMU, TCG): nothing is lost, one case each (issue 10, item 4) — the running crash
 * kernel's image is frozen; a panic during a load still ends in a crash kernel or a dump; a dump
 * never touches a device node; a full or read-only dump directory gives a named error at once
 * and leaves the guest paused for a dump elsewhere.
 */
@NeedsQemu
class DataLossTest {
    static final Duration BOOT = Duration.ofSeconds(120);
    static final String CONSOLE = "console=ttyS0,115200 panic=-1";
    Path dir;
    Path mounted;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("jkexec-data-loss");
    }

    @AfterEach
    void tearDown() throws IOException {
        if (mounted != null) {
            Tools.run("umount", mounted.toString());
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static MachineLayout layout() {
        return new MachineLayout(256L << 20, 160L << 20, 128L << 20, 1);
    }

    static KernelSpec crashKernel() {
        return KernelSpec.busybox(GuestAssets.cloudKernel(), CONSOLE + " jkexec.gen=crash").withType(ImageType.CRASH);
    }

    static CompletableFuture<CrashOutcome> crashes(Machine m) {
        CompletableFuture<CrashOutcome> f = new CompletableFuture<>();
        m.addListener(e -> {
            if (e instanceof dev.jkexec.machine.MachineEvent.Crashed c) {
                f.complete(c.outcome());
            } else if (e instanceof dev.jkexec.machine.MachineEvent.CrashFailed x) {
                f.completeExceptionally(x.error());
            }
        });
        return f;
    }

    static void boot(Machine m, String marker) {
        long from = m.console().mark();
        m.boot(KernelSpec.busybox(GuestAssets.cloudKernel(), CONSOLE + " jkexec.gen=1 jkexec.marker=" + marker));
        m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.READY) + " gen=1 .*"), BOOT, from);
    }

    @Test
    void whileTheCrashKernelRunsItsImageIsFrozen() throws Exception {
        try (Machine m = Machine.start(MachineOptions.builder().layout(layout()).dumpDirectory(dir).build())) {
            boot(m, "frozen");
            m.load(crashKernel());
            long mark = m.console().mark();
            assertThat(m.crash("operator request")).isInstanceOf(CrashOutcome.CrashKernel.class);
            for (Runnable op : new Runnable[] {() -> m.load(crashKernel()), () -> m.unload(ImageType.CRASH), () -> m.exec(ImageType.CRASH)}) {
                KexecException e = catchThrowableOfType(KexecException.class, op::run);
                assertThat(e).isNotNull();
                assertThat(e.errno()).isEqualTo(Errno.EBUSY);
            }
            // the same through the hypercall (kexec-tools' -e / -p -u in the crash kernel): -EBUSY, nothing captured
            for (AbiRequestFile call : new AbiRequestFile[] {AbiRequests.exec(0x10000, 1), AbiRequests.unload(0x10000, 1)}) {
                assertThat(m.hypercalls().hostCall(call)).isEqualTo(new Dom0Hypercalls.Outcome.Returned(Errno.EBUSY.negated()));
            }
            assertThat(m.qemu().status().state()).isEqualTo(RunState.RUNNING);
            // the crash kernel was not disturbed: it boots and reads the old guest's marker
            assertThat(m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.PREFIX) + "vmcore mailbox .*"), BOOT, mark).text())
                    .endsWith(GuestInit.MARKER_PREFIX + "frozen");
        }
    }

    @Test
    void aPanicDuringALoadStillReachesACrashKernelOrADump() throws Exception {
        try (Machine m = Machine.start(MachineOptions.builder().layout(layout()).dumpDirectory(dir).build())) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            boot(m, "in-flight");
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            CompletableFuture<String> load = CompletableFuture.supplyAsync(() -> {
                try {
                    m.load(crashKernel());
                    return "loaded";
                } catch (KexecException e) {
                    return e.errno().name();
                }
            });
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOfAny(CrashOutcome.CrashKernel.class, CrashOutcome.Dumped.class);
            if (outcome instanceof CrashOutcome.Dumped d) {
                assertThat(Files.exists(d.core().file())).isTrue();
            }
            assertThat(load.get(BOOT.toSeconds(), TimeUnit.SECONDS)).isIn("loaded", "EBUSY");
        }
    }

    @Test
    void aDumpToADeviceNodeIsRefusedAndTheGuestRunsOn() throws Exception {
        try (Machine m = Machine.start(MachineOptions.builder().layout(layout()).dumpDirectory(dir).build())) {
            boot(m, "device");
            PosixFileAttributes before = Files.readAttributes(Path.of("/dev/full"), PosixFileAttributes.class);
            assertThatThrownBy(() -> m.dump(Path.of("/dev/full"), DumpFormat.ELF, 31, true, DumpProgress.NONE))
                    .isInstanceOf(DumpTarget.DumpException.class).hasMessageContaining("not a regular file");
            assertThat(Files.readAttributes(Path.of("/dev/full"), PosixFileAttributes.class).isOther()).isTrue();
            assertThat(Files.readAttributes(Path.of("/dev/full"), PosixFileAttributes.class).size()).isEqualTo(before.size());
            assertThat(m.qemu().status().state()).isEqualTo(RunState.RUNNING);
        }
    }

    @Test
    void aFullDumpDirectoryGivesANamedErrorAndTheGuestStaysPausedForADumpElsewhere() throws Exception {
        Path full = mount("size=1m");
        try (Machine m = Machine.start(MachineOptions.builder().layout(layout()).dumpDirectory(full).onPanic(OnPanic.DUMP).build())) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            boot(m, "full");
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOfSatisfying(CrashOutcome.Paused.class, p -> assertThat(p.why())
                    .startsWith("dump failed: dump ").contains("No space left on device").contains("the guest stays paused"));
            try (Stream<Path> s = Files.list(full)) {
                assertThat(s.toList()).as("no .partial left behind").isEmpty();
            }
            assertThat(m.qemu().status().state()).isNotEqualTo(RunState.RUNNING);
            Path retry = dir.resolve("retry.elf");
            m.dump(retry, DumpFormat.ELF, 31, false, DumpProgress.NONE);
            assertThat(Tools.run("readelf", "-n", retry.toString()).output()).contains("VMCOREINFO").contains("NT_PRSTATUS");
        }
    }

    @Test
    void aReadOnlyDumpDirectoryGivesANamedError() throws Exception {
        Path ro = mount("size=1m,ro");
        try (Machine m = Machine.start(MachineOptions.builder().layout(layout()).dumpDirectory(ro).build())) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            boot(m, "ro");
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOfSatisfying(CrashOutcome.Paused.class,
                    p -> {
                        assertThat(p.reason()).contains("no crash image loaded");
                        assertThat(p.why()).contains("Read-only file system");
                    });
            assertThat(m.qemu().status().state()).isNotEqualTo(RunState.RUNNING);
        }
    }

    /** A small tmpfs of our own (root only; CI runs as root). */
    private Path mount(String options) throws IOException {
        Path p = Files.createDirectory(dir.resolve("mnt"));
        Tools.Result r = Tools.run("mount", "-t", "tmpfs", "-o", options, "tmpfs", p.toString());
        Assumptions.assumeTrue(r.exit() == 0, "mounting a tmpfs needs root: " + r.output());
        mounted = p;
        return p;
    }
}
