package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.image.ImageType;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.Toolstack;
import dev.jkexec.machine.firmware.HandoverBlock;
import dev.jkexec.platform.InputFileException;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.qemu.qmp.RunState;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Machine#boot(MachineOptions, java.util.function.Supplier, java.util.function.Consumer)}: the
 * first image planned while QEMU is spawned and written into RAM before QEMU is connected, then
 * handed over. A real Debian kernel under QEMU (TCG).
 */
@NeedsQemu
class FirstBootOverlappedTest {
    @TempDir
    Path tmp;

    private MachineOptions options() {
        return MachineOptions.builder().layout(small(1)).dumpDirectory(tempDir()).hardware(h -> h.tmpRoot(tmp)).build();
    }

    @Test
    void theImageWrittenWhileQemuStartsBootsAndTheListenerSeesThePausedMachine() {
        KernelSpec spec = new KernelSpec(cloud(), null, true, CONSOLE + " jkexec.gen=1", 64, ImageType.DEFAULT);
        AtomicReference<RunState> before = new AtomicReference<>();
        AtomicLong from = new AtomicLong(-1);
        try (Machine m = Machine.boot(options(), () -> Toolstack.machineFree(small(1)).plan(spec).image(), started -> {
            before.set(started.runState());
            from.set(started.console().mark());
        })) {
            awaitBanner(m, from.get());
            awaitReady(m, "1", from.get());
            assertThat(before.get()).isEqualTo(RunState.PRELAUNCH);
            assertThat(HandoverBlock.status(m.memory(), m.layout())).isEqualTo(HandoverBlock.Status.ENTERING_64);
            assertThat(HandoverBlock.runs(m.memory(), m.layout())).isEqualTo(1);
            assertThat(m.image(ImageType.DEFAULT)).isPresent();
        }
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void aPlanThatFailsIsTheErrorAndLeavesNoMachine() {
        KernelSpec spec = new KernelSpec(tmp.resolve("no-such-kernel"), null, true, CONSOLE, 64, ImageType.DEFAULT);
        AtomicReference<Machine> seen = new AtomicReference<>();

        assertThatThrownBy(() -> Machine.boot(options(), () -> Toolstack.machineFree(small(1)).plan(spec).image(), seen::set))
                .isInstanceOf(InputFileException.class)
                .hasMessageContaining("no-such-kernel: no such file");
        assertThat(seen.get()).isNull();
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void qemuFailingToStartIsTheStartErrorAndLeavesNothing() {
        KernelSpec spec = new KernelSpec(cloud(), null, true, CONSOLE, 64, ImageType.DEFAULT);
        MachineOptions broken = MachineOptions.builder().layout(small(1)).dumpDirectory(tempDir())
                .hardware(h -> h.tmpRoot(tmp).extraArgs(java.util.List.of("-no-such-option"))).build();

        assertThatThrownBy(() -> Machine.boot(broken, () -> Toolstack.machineFree(small(1)).plan(spec).image(), m -> { }))
                .isInstanceOf(dev.jkexec.qemu.process.QemuStartException.class)
                .hasMessageContaining("-no-such-option");
        assertThat(tmp).isEmptyDirectory();
    }
    /** A plan whose initrd is a file mapped, then {@code meanwhile} done to that file before the image is written. */
    private java.util.function.Supplier<dev.jkexec.image.KexecImage> planThen(Path initrd, ThrowingConsumer<Path> meanwhile) {
        KernelSpec spec = new KernelSpec(cloud(), initrd, false, CONSOLE, 64, ImageType.DEFAULT);
        return () -> {
            dev.jkexec.image.KexecImage image = Toolstack.machineFree(small(1)).plan(spec).image();
            try {
                meanwhile.accept(initrd);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return image;
        };
    }

    interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }

    @Test
    void anInitrdTruncatedAfterThePlanIsNamedAndLeavesNothing(@TempDir Path files) throws Exception {
        Path initrd = java.nio.file.Files.write(files.resolve("initrd.img"), new byte[1 << 20]);
        AtomicReference<Machine> seen = new AtomicReference<>();

        assertThatThrownBy(() -> Machine.boot(options(), planThen(initrd, f -> java.nio.file.Files.write(f, new byte[0])), seen::set))
                .isInstanceOfSatisfying(InputFileException.class, e -> assertThat(e.problem()).isEqualTo(InputFileException.Problem.CHANGED))
                .hasMessageStartingWith("initrd: " + initrd + ": the file shrank while jkexec read it (");
        assertThat(seen.get()).isNull();
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void anInitrdRewrittenInPlaceAfterThePlanIsRefusedBeforeTheGuestRuns(@TempDir Path files) throws Exception {
        Path initrd = java.nio.file.Files.write(files.resolve("initrd.img"), new byte[1 << 20]);
        AtomicReference<Machine> seen = new AtomicReference<>();

        assertThatThrownBy(() -> Machine.boot(options(), planThen(initrd, f -> {
            java.nio.file.Files.write(f, new byte[1 << 20], java.nio.file.StandardOpenOption.WRITE);
            java.nio.file.Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(
                    java.nio.file.Files.getLastModifiedTime(f).toMillis() + 3_600_000));
        }), seen::set))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith("initrd: " + initrd + ": the file changed while jkexec used it (");
        assertThat(seen.get()).as("refused before QEMU's machine was handed to the caller").isNull();
        assertThat(tmp).isEmptyDirectory();
    }
}
