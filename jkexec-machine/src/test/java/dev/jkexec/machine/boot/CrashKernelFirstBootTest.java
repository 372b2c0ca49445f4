package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.Initrd;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.Toolstack;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.platform.InputFileException;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.qemu.console.ConsoleLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Machine#boot(MachineOptions, Supplier, Supplier, java.util.function.Consumer)} ({@code run
 * --crash-kernel}): the crash image planned beside QEMU's start and loaded into the crash region
 * before the first boot, then a panic in the first kernel. A real Debian kernel under QEMU (TCG).
 */
@NeedsQemu
class CrashKernelFirstBootTest {
    @TempDir
    Path tmp;

    private MachineOptions options() {
        return MachineOptions.builder().layout(small(1)).dumpDirectory(tempDir()).hardware(h -> h.tmpRoot(tmp)).build();
    }

    private static Supplier<dev.jkexec.image.KexecImage> first(String append) {
        return () -> Toolstack.machineFree(small(1)).plan(KernelSpec.busybox(cloud(), append)).image();
    }

    private static Supplier<ImagePlan> crash(KernelSpec spec) {
        return () -> Toolstack.machineFree(small(1)).plan(spec.withType(ImageType.CRASH));
    }

    @Test
    void theCrashImageLoadedBeforeTheFirstBootIsEnteredAtAPanicUnrefreshedAndReadsTheMarker() throws Exception {
        AtomicReference<Optional<ImageInfo>> crashSlotBeforeCont = new AtomicReference<>();
        CompletableFuture<CrashOutcome> crashed = new CompletableFuture<>();
        long[] from = {-1};
        try (Machine m = Machine.boot(options(), first(CONSOLE + " jkexec.gen=1 jkexec.marker=early-crash-7"),
                crash(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=crash")), started -> {
                    crashSlotBeforeCont.set(started.image(ImageType.CRASH));
                    from[0] = started.console().mark();
                    started.addListener(e -> {
                        if (e instanceof MachineEvent.Crashed c) {
                            crashed.complete(c.outcome());
                        }
                    });
                })) {
            assertThat(crashSlotBeforeCont.get()).as("the crash slot is loaded before the vCPUs run").isPresent();
            ImageInfo loaded = crashSlotBeforeCont.get().orElseThrow();
            assertThat(m.status(ImageType.CRASH)).isTrue();
            awaitReady(m, "1", from[0]);
            long mark = m.console().mark();
            m.console().send("echo c > /proc/sysrq-trigger\n".getBytes());
            CrashOutcome outcome = crashed.get(BOOT.toSeconds(), TimeUnit.SECONDS);
            assertThat(outcome).isInstanceOfSatisfying(CrashOutcome.CrashKernel.class, k -> {
                // written before any vCPU ran: nothing for the firmware to refresh (CrashRegionImage#refreshRanges)
                assertThat(k.plan().inPlaceRanges()).isEmpty();
                assertThat(k.plan().sha256()).isEqualTo(loaded.sha256());
            });
            awaitReady(m, "crash", mark);
            // The ELF core header was rewritten for the crashed kernel: /proc/vmcore covers its RAM and holds its marker.
            ConsoleLine marker = m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.PREFIX) + "vmcore mailbox .*"),
                    BOOT, mark);
            assertThat(marker.text()).endsWith(GuestInit.MARKER_PREFIX + "early-crash-7");
            ConsoleLine loads = m.console().awaitLine(Pattern.compile(".*vmcore PT_LOAD .*"), BOOT, mark);
            long ram = m.toolstack().oldRam().stream().mapToLong(r -> r.size()).sum();
            assertThat(loads.text()).endsWith(", " + ram + " bytes");
        }
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void aCrashKernelThatIsNoKernelIsThePlansOwnErrorAndLeavesNothing(@TempDir Path files) throws Exception {
        Path notAKernel = Files.write(files.resolve("not-a-kernel"), new byte[64 << 10]);
        KernelSpec spec = new KernelSpec(notAKernel, null, true, CONSOLE, 64, ImageType.CRASH);
        // What the toolstack says of it on its own: the boot must report exactly that.
        Throwable alone = org.assertj.core.api.Assertions.catchThrowable(() -> crash(spec).get());
        assertThat(alone).isInstanceOf(dev.jkexec.image.ImageFormatException.class).hasMessageStartingWith("kernel.format: neither a bzImage");
        AtomicReference<Machine> seen = new AtomicReference<>();

        assertThatThrownBy(() -> Machine.boot(options(), first(CONSOLE), crash(spec), seen::set))
                .isInstanceOf(alone.getClass())
                .hasMessage(alone.getMessage());
        assertThat(seen.get()).isNull();
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void aCrashInitrdTruncatedAfterItsPlanIsNamedAndLeavesNothing(@TempDir Path files) throws Exception {
        Path initrd = Files.write(files.resolve("crash-initrd.img"), new byte[1 << 20]);
        KernelSpec spec = new KernelSpec(cloud(), initrd, false, CONSOLE, 64, ImageType.CRASH);
        Supplier<ImagePlan> planThenTruncate = () -> {
            ImagePlan p = crash(spec).get();
            try {
                Files.write(initrd, new byte[0]);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
            return p;
        };
        AtomicReference<Machine> seen = new AtomicReference<>();

        assertThatThrownBy(() -> Machine.boot(options(), first(CONSOLE), planThenTruncate, seen::set))
                .isInstanceOfSatisfying(InputFileException.class, e -> assertThat(e.problem()).isEqualTo(InputFileException.Problem.CHANGED))
                .hasMessageStartingWith("crash-initrd: " + initrd + ": the file shrank while jkexec read it (");
        assertThat(seen.get()).isNull();
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void aDefaultImageGivenAsTheCrashPlanIsRefusedAndLeavesNothing() {
        Supplier<ImagePlan> notCrash = () -> Toolstack.machineFree(small(1)).plan(KernelSpec.busybox(cloud(), CONSOLE));

        assertThatThrownBy(() -> Machine.boot(options(), first(CONSOLE), notCrash, m -> { }))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("crashPlan must give a crash image, not a default image");
        assertThat(tmp).isEmptyDirectory();
    }
}
