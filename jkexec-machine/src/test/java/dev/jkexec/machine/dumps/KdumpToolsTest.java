package dev.jkexec.machine.dumps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.OnPanic;
import dev.jkexec.machine.crash.CoreDump;
import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.machine.crash.DumpProgress;
import dev.jkexec.machine.guest.GuestImages;
import dev.jkexec.machine.guest.GuestInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import dev.jkexec.platform.testing.NeedsQemu;

/**
 * Machine tests (QEMU, TCG) holding jkexec's dumps against kdump's own tools, as Debian ships them:
 * the Debian 6.1 generic kernel (bzImage, so KASLR randomises its text and its direct map) panics
 * on a 2-vCPU machine with no {@code crashkernel=}; jkexec finds its VMCOREINFO in RAM.
 * <ul>
 *   <li>inside the crash kernel: {@code vmcore-dmesg /proc/vmcore}, {@code makedumpfile --dump-dmesg}
 *       and {@code makedumpfile -l -d 31} (put into its initramfs with their libraries);</li>
 *   <li>on the host, on the core written at the same panic ({@code --on-panic both}) and on kdump-zlib
 *       dumps of the paused guest: readelf, vmcore-dmesg, makedumpfile (whose page counts for
 *       {@code -d 31} must equal jkexec's own), and gdb reading the code at the panicking RIP.</li>
 * </ul>
 */
@NeedsQemu
class KdumpToolsTest {
    static final Duration BOOT = Duration.ofSeconds(120);
    static final String CONSOLE = "console=ttyS0,115200 panic=-1";
    static final String PANIC = "Kernel panic - not syncing: sysrq triggered crash";
    static Path dir;

    @BeforeAll
    static void setUp() throws IOException {
        dir = Files.createTempDirectory("jkexec-kdump-tools");
    }

    @AfterAll
    static void tearDown() throws IOException {
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static MachineLayout layout() {
        return new MachineLayout(512L << 20, 256L << 20, 128L << 20, 2);
    }

    static CompletableFuture<CrashOutcome> crashes(Machine m) {
        CompletableFuture<CrashOutcome> f = new CompletableFuture<>();
        m.addListener(e -> {
            if (e instanceof MachineEvent.Crashed c) {
                f.complete(c.outcome());
            } else if (e instanceof MachineEvent.CrashFailed x) {
                f.completeExceptionally(x.error());
            }
        });
        return f;
    }

    static void bootAndPanic(Machine m, String append) {
        bootAndPanic(m, append, false);
    }

    /** @param kaslr the bzImage decompressed on the host with KASLR ({@code jkexec run}'s default) */
    static void bootAndPanic(Machine m, String append, boolean kaslr) {
        long from = m.console().mark();
        m.boot(KernelSpec.busybox(GuestAssets.genericKernel(), CONSOLE + " jkexec.gen=1 jkexec.marker=kdump-tools " + append)
                .withDecompress(kaslr));
        m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.READY) + " gen=1 .*"), BOOT, from);
        m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
    }

    static String line(Machine m, String what, long from) {
        return m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.PREFIX + what) + ".*"), BOOT, from).text();
    }

    @Test
    void theCrashKernelsVmcoreAndTheHostCoreAreReadByVmcoreDmesgMakedumpfileReadelfAndGdb() throws Exception {
        Path initrd = dir.resolve("crash-initrd.gz");
        Files.write(initrd, GuestImages.busyboxInitrd(GuestAssets.busybox(), GuestAssets.cloudKernel(), Tools.debian().guestFiles()));
        MachineOptions o = MachineOptions.builder().layout(layout()).dumpDirectory(dir).onPanic(OnPanic.BOTH).build();
        try (Machine m = Machine.start(o)) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            m.load(new KernelSpec(GuestAssets.cloudKernel(), initrd, false, CONSOLE + " jkexec.gen=crash", 64, ImageType.CRASH, false));
            long mark = m.console().mark();
            bootAndPanic(m, "");
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(CrashOutcome.CrashKernel.class);
            assertThat(outcome.vmcoreinfo()).startsWith("VMCOREINFO of Linux 6.1.0-56-amd64 at 0x").contains("(the guest's hint)");
            CoreDump.Written core = ((CrashOutcome.CrashKernel) outcome).core();
            assertThat(core).isNotNull();

            // inside the crash kernel, on /proc/vmcore
            assertThat(line(m, "vmcore mailbox ", mark)).endsWith("JKEXEC-MARKER:kdump-tools");
            assertThat(line(m, "vmcore aliases ", mark)).matches(".*aliases [1-9][0-9]* .*");
            assertThat(line(m, "vmcore-dmesg exit ", mark)).endsWith("exit 0");
            assertThat(line(m, "vmcore-dmesg Kernel", mark)).endsWith(PANIC);
            assertThat(line(m, "makedumpfile --dump-dmesg exit", mark)).endsWith("exit 0");
            assertThat(line(m, "makedumpfile dmesg", mark)).endsWith(PANIC);
            assertThat(line(m, "makedumpfile -l -d 31 exit", mark)).matches(".*exit 0 size [1-9][0-9]+");

            // on the host, the core written at the same panic
            hostToolsReadTheElfCore(core.file());
        }
    }

    /**
     * {@code jkexec run}'s default path: both kernels decompressed on the host with KASLR (a random
     * physical slot for the panicking kernel, random virtual offsets for both). The guest's
     * VMCOREINFO says KERNELOFFSET, and every reader — vmcore-dmesg and makedumpfile in the crash
     * kernel over /proc/vmcore, readelf, vmcore-dmesg, makedumpfile and gdb on the host core —
     * finds the moved kernel.
     */
    @Test
    void aKaslrKernelsCrashIsReadInTheCrashKernelAndOnTheHost() throws Exception {
        Path initrd = dir.resolve("crash-initrd-kaslr.gz");
        Files.write(initrd, GuestImages.busyboxInitrd(GuestAssets.busybox(), GuestAssets.cloudKernel(), Tools.debian().guestFiles()));
        MachineOptions o = MachineOptions.builder().layout(layout()).dumpDirectory(dir).onPanic(OnPanic.BOTH).build();
        try (Machine m = Machine.start(o)) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            m.load(new KernelSpec(GuestAssets.cloudKernel(), initrd, false, CONSOLE + " jkexec.gen=crash", 64, ImageType.CRASH, true));
            long mark = m.console().mark();
            bootAndPanic(m, "", true);
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(CrashOutcome.CrashKernel.class);
            assertThat(outcome.vmcoreinfo()).containsPattern("KERNELOFFSET 0x[1-9a-f]\\p{XDigit}*,");
            assertThat(line(m, "vmcore-dmesg exit ", mark)).endsWith("exit 0");
            assertThat(line(m, "vmcore-dmesg Kernel", mark)).endsWith(PANIC);
            assertThat(line(m, "makedumpfile --dump-dmesg exit", mark)).endsWith("exit 0");
            assertThat(line(m, "makedumpfile dmesg", mark)).endsWith(PANIC);
            hostToolsReadTheElfCore(((CrashOutcome.CrashKernel) outcome).core().file());
        }
    }

    /**
     * RAM above 4 GiB: a 6 GiB guest (3 GiB below 4 GiB, the rest from 4 GiB) panics into its crash
     * kernel, whose elfcorehdr lists the RAM from 4 GiB; vmcore-dmesg and makedumpfile read
     * /proc/vmcore in the crash kernel, and the host tools read the host core with its PT_LOAD at
     * 4 GiB, which stays sparse: only pages the guest wrote are read and written.
     */
    @Test
    void aGuestWithRamAboveFourGibIsReadInTheCrashKernelAndOnTheHost() throws Exception {
        Path initrd = dir.resolve("crash-initrd-6g.gz");
        Files.write(initrd, GuestImages.busyboxInitrd(GuestAssets.busybox(), GuestAssets.cloudKernel(), Tools.debian().guestFiles()));
        MachineLayout layout = new MachineLayout(6L << 30, 256L << 20, 128L << 20, 2);
        assertThat(layout.isSplit()).isTrue();
        MachineOptions o = MachineOptions.builder().layout(layout).dumpDirectory(dir).onPanic(OnPanic.BOTH).build();
        try (Machine m = Machine.start(o)) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            m.load(new KernelSpec(GuestAssets.cloudKernel(), initrd, false, CONSOLE + " jkexec.gen=crash", 64, ImageType.CRASH, false));
            long mark = m.console().mark();
            bootAndPanic(m, "");
            CrashOutcome outcome = crashed.get(2 * BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(CrashOutcome.CrashKernel.class);
            assertThat(line(m, "vmcore mailbox ", mark)).endsWith("JKEXEC-MARKER:kdump-tools");
            assertThat(line(m, "vmcore-dmesg exit ", mark)).endsWith("exit 0");
            assertThat(line(m, "vmcore-dmesg Kernel", mark)).endsWith(PANIC);
            assertThat(line(m, "makedumpfile --dump-dmesg exit", mark)).endsWith("exit 0");
            assertThat(line(m, "makedumpfile dmesg", mark)).endsWith(PANIC);

            Path core = ((CrashOutcome.CrashKernel) outcome).core().file();
            Tools.Result readelf = Tools.run("readelf", "-l", "-W", core.toString());
            String high = String.format("0x%016x ", PcPlatform.FOUR_GIB); // its PhysAddr
            assertThat(readelf.output()).as(readelf.output()).containsPattern("LOAD\\s+0x\\p{XDigit}+ 0xffff\\p{XDigit}{12} " + high);
            hostToolsReadTheElfCore(core);
            assertThat(blocksOf(core)).as("bytes the 6 GiB core holds on disk").isLessThan(1L << 30);
        }
    }

    /** Bytes a file holds on disk (st_blocks * 512). */
    static long blocksOf(Path file) throws IOException {
        Tools.Result stat = Tools.run("stat", "-c", "%b", file.toString());
        return Long.parseLong(stat.output().strip()) * 512;
    }

    static void hostToolsReadTheElfCore(Path core) throws IOException {
        Tools.Result readelf = Tools.run("readelf", "-n", "-l", "-W", core.toString());
        assertThat(readelf.exit()).isZero();
        assertThat(readelf.output()).contains("VMCOREINFO").contains("NT_PRSTATUS");
        Matcher text = Pattern.compile("LOAD\\s+0x\\p{XDigit}+ (0xffffffff\\p{XDigit}{8}) ").matcher(readelf.output());
        assertThat(text.find()).as("a kernel-text PT_LOAD:\n%s", readelf.output()).isTrue();
        // the direct map at page_offset_base: 0xffff888000000000, or a random base above it under KASLR
        assertThat(readelf.output()).containsPattern("LOAD\\s+0x\\p{XDigit}+ 0xffff[89a-f]\\p{XDigit}{11} 0x0000000000100000");

        Tools.Result dmesg = Tools.vmcoreDmesg(core);
        assertThat(dmesg.exit()).as(dmesg.output()).isZero();
        assertThat(dmesg.output()).contains(PANIC);

        Path txt = core.resolveSibling(core.getFileName() + ".dmesg");
        Tools.Result mdmesg = Tools.makedumpfile("--dump-dmesg", core.toString(), txt.toString());
        assertThat(mdmesg.exit()).as(mdmesg.output()).isZero();
        assertThat(Files.readString(txt)).contains(PANIC);

        // gdb reads the code at the panicking vCPU's RIP (pvpanic's module code) and its stack
        // (one vCPU stopped in pvpanic's module code, the other in stop_this_cpu's kernel text)
        Tools.Result gdb = Tools.run("gdb", "-batch", "-nx", "-c", core.toString(), "-ex", "thread apply all x/2i $pc",
                "-ex", "thread apply all x/2gx $sp");
        assertThat(gdb.output()).as(gdb.output()).doesNotContain("Cannot access memory");
        assertThat(Pattern.compile("=> 0x\\p{XDigit}+:\\s+\\S+").matcher(gdb.output()).results().count()).as(gdb.output()).isEqualTo(2);
        Files.deleteIfExists(txt);
    }

    @Test
    void hostDumpsOfAPanickedGuestAreReadByMakedumpfileWhichFiltersTheSamePages() throws Exception {
        MachineOptions o = MachineOptions.builder().layout(layout()).dumpDirectory(dir).onPanic(OnPanic.PAUSE).build();
        try (Machine m = Machine.start(o)) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            bootAndPanic(m, "jkexec.nohint=1");
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOf(CrashOutcome.Paused.class);
            assertThat(outcome.vmcoreinfo()).contains("(a page-aligned scan)");
            // get_range(VMCOREINFO) answers jkexec's page, which now holds the guest's note with CRASHTIME
            dev.jkexec.core.kexec.PhysicalRange page = m.kexec().getRange(dev.jkexec.core.kexec.RangeId.VMCOREINFO, 0);
            dev.jkexec.image.crash.VmcoreInfo copied = dev.jkexec.image.crash.VmcoreInfoNote.decode(
                    m.memory().slice(page.start(), page.size()), 0);
            assertThat(copied.osRelease()).isEqualTo("6.1.0-56-amd64");
            assertThat(copied.value("CRASHTIME")).isPresent();
            assertThat(copied.symbol("init_top_pgt")).isPresent();

            Path elf = dir.resolve("paused.elf");
            m.dump(elf, DumpFormat.ELF, 31, false, DumpProgress.NONE);
            Path zlib = dir.resolve("paused.kdump");
            CoreDump.Written z = m.dump(zlib, DumpFormat.KDUMP_ZLIB, 31, false, DumpProgress.NONE);
            Path zstd = dir.resolve("paused-zstd.kdump");
            CoreDump.Written s = m.dump(zstd, DumpFormat.KDUMP_ZSTD, 31, false, DumpProgress.NONE);
            assertThat(Files.size(zlib)).isLessThan(Files.size(elf) / 10);
            assertThat(s.summary()).startsWith("kdump-zstd, dump level 31");

            // makedumpfile's own -d 31 over the ELF core counts exactly the pages jkexec excluded
            Path out = dir.resolve("mdf.kdump");
            Tools.Result mdf = Tools.makedumpfile("-l", "-d", "31", "--message-level", "31", elf.toString(), out.toString());
            assertThat(mdf.exit()).as(mdf.output()).isZero();
            assertThat(z.summary()).contains(count(mdf.output(), "Non-private cache pages") + " cache,")
                    .contains(count(mdf.output(), "User process data pages") + " user,")
                    .contains(count(mdf.output(), "Free pages") + " free,")
                    .contains("(" + count(mdf.output(), "Pages filled with zero") + " of zeros shared)");

            // makedumpfile reads jkexec's kdump file: dmesg, and a re-filtering at the same level
            Path txt = dir.resolve("kdump.dmesg");
            Tools.Result dmesg = Tools.makedumpfile("--dump-dmesg", zlib.toString(), txt.toString());
            assertThat(dmesg.exit()).as(dmesg.output()).isZero();
            assertThat(Files.readString(txt)).contains(PANIC);
            Path again = dir.resolve("again.kdump");
            Tools.Result refilter = Tools.makedumpfile("-l", "-d", "31", zlib.toString(), again.toString());
            assertThat(refilter.exit()).as(refilter.output()).isZero();
            assertThat(Files.size(again)).isPositive();
            for (Path p : new Path[] {elf, zlib, zstd, out, txt, again}) {
                Files.deleteIfExists(p);
            }
        }
    }

    /**
     * {@code crash} with the kernel's debug vmlinux ({@code linux-image-6.1.0-56-amd64-dbg}, 860 MB:
     * too large for every CI run) on the ELF core and on both kdump formats: {@code sys}, {@code log}
     * and {@code bt}. Runs when {@code JKEXEC_DEBUG_VMLINUX} (or {@code -Djkexec.debugVmlinux}) names
     * the vmlinux; docs/crash.md shows how to get it.
     */
    @Test
    void crashWithTheDebugVmlinuxReadsEveryFormat() throws Exception {
        String setting = System.getProperty("jkexec.debugVmlinux", System.getenv("JKEXEC_DEBUG_VMLINUX"));
        org.junit.jupiter.api.Assumptions.assumeTrue(setting != null && !setting.isBlank() && Files.isRegularFile(Path.of(setting)),
                "no debug vmlinux configured (JKEXEC_DEBUG_VMLINUX)");
        MachineOptions o = MachineOptions.builder().layout(layout()).dumpDirectory(dir).onPanic(OnPanic.PAUSE).build();
        try (Machine m = Machine.start(o)) {
            CompletableFuture<CrashOutcome> crashed = crashes(m);
            bootAndPanic(m, "");
            assertThat(crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(CrashOutcome.Paused.class);
            for (DumpFormat f : DumpFormat.values()) {
                Path dump = dir.resolve("crash-" + f.label());
                m.dump(dump, f, 31, false, DumpProgress.NONE);
                Tools.Result r = Tools.run(new ProcessBuilder("crash", "-s", "--no_scroll", setting, dump.toString())
                        .redirectInput(ProcessBuilder.Redirect.from(commands(dir, "sys\nlog\nbt\nquit\n"))));
                assertThat(r.output()).as("crash on %s:\n%s", f.label(), r.output())
                        .contains("PANIC: \"" + PANIC + "\"")
                        .contains("sysrq: Trigger a crash")
                        .containsPattern("#0 +\\[\\p{XDigit}+\\]");
                Files.delete(dump);
            }
        }
    }

    static java.io.File commands(Path dir, String text) throws IOException {
        Path p = dir.resolve("crash-commands");
        Files.writeString(p, text);
        return p.toFile();
    }

    /** A page count from makedumpfile's {@code --message-level 31} report, in decimal. */
    static long count(String report, String label) {
        Matcher x = Pattern.compile(Pattern.quote(label) + "\\s*: 0x(\\p{XDigit}+)").matcher(report);
        assertThat(x.find()).as("%s in:\n%s", label, report).isTrue();
        return Long.parseLong(x.group(1), 16);
    }
}
