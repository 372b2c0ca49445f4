package dev.jkexec.qemu;

import static dev.jkexec.qemu.Machines.WAIT;
import static dev.jkexec.qemu.Machines.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.platform.x86.CpuMode;
import dev.jkexec.platform.x86.Efer;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.qemu.common.ExitReaper;
import dev.jkexec.qemu.console.ConsoleClosedException;
import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.qemu.console.ConsoleOptions;
import dev.jkexec.qemu.cpu.CpuState;
import dev.jkexec.qemu.process.Accel;
import dev.jkexec.qemu.qmp.QmpClosedException;
import dev.jkexec.qemu.qmp.QmpEvent;
import dev.jkexec.qemu.qmp.QmpOptions;
import dev.jkexec.qemu.qmp.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The machine facade against real QEMU ({@code qemu-system-x86_64} must be installed; each test
 * takes well under a second to a few seconds under TCG), running the tiny ROMs of {@link TestRoms}.
 */
@Timeout(60)
@ExtendWith(Machines.NoQemuLeft.class)
@NeedsQemu
class QemuMachineTest {
    @TempDir
    Path tmp;

    @Test
    void startsPausedAndPrintsAfterCont() {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.PRINT_J))) {
            assertThat(m.status().state()).isEqualTo(RunState.PRELAUNCH);
            assertThat(m.accel().reason()).isNotBlank();
            long events = m.qmp().eventMark();

            m.resume();

            ConsoleLine line = m.console().awaitLine(Pattern.compile("^J$"), WAIT, 0);
            assertThat(line.index()).isZero();
            assertThat(m.qmp().awaitEvent(QmpEvent.Resume.class, WAIT, events)).isNotNull();
            assertThat(m.status().state()).isEqualTo(RunState.RUNNING);
            m.pause();
            assertThat(m.qmp().awaitEvent(QmpEvent.Stop.class, WAIT, events)).isNotNull();
            assertThat(m.status().state()).isEqualTo(RunState.PAUSED);
        }
    }

    @Test
    void guestReadsWhatJavaWroteBeforeCont() {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.ECHO_600))) {
            m.memory().write(0x600, new byte[] {'Q'});

            m.resume();

            assertThat(m.console().awaitLine(Pattern.compile("."), WAIT, 0).text()).isEqualTo("Q");
        }
    }

    @Test
    void guestReadsWhatJavaWroteBeforeQemuWasConnected() {
        QemuMachine.Launch launch = QemuMachine.launch(config(TestRoms.ECHO_600));
        launch.memory().write(0x600, new byte[] {'L'}); // while QEMU initialises: it must not clear RAM
        try (QemuMachine m = launch.finish()) {
            m.resume();

            assertThat(m.console().awaitLine(Pattern.compile("."), WAIT, 0).text()).isEqualTo("L");
        }
    }

    @Test
    void aLaunchClosedUnfinishedLeavesNothing() {
        QemuMachine.Launch launch = QemuMachine.launch(config(TestRoms.PRINT_J, h -> h.tmpRoot(tmp)));
        PhysicalMemory ram = launch.memory();

        launch.close();
        launch.close();

        assertThat(tmp).isEmptyDirectory();
        assertThatThrownBy(() -> ram.readInt(0)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(launch::finish).isInstanceOf(IllegalStateException.class).hasMessageContaining("finished or closed");
    }

    @Test
    void aLaunchWhoseQemuFailsFinishesWithTheStartErrorAndLeavesNothing() {
        QemuMachine.Launch launch = QemuMachine.launch(config(TestRoms.PRINT_J,
                h -> h.tmpRoot(tmp).extraArgs(java.util.List.of("-no-such-option"))));

        assertThatThrownBy(launch::finish)
                .isInstanceOfSatisfying(dev.jkexec.qemu.process.QemuStartException.class,
                        e -> assertThat(e.qemuOutput()).contains("-no-such-option: invalid option"));
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void javaSeesWhatTheGuestWrote() {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.WRITE_500))) {
            assertThat(m.memory().read(0x500, 1)[0]).isZero();

            m.resume();

            Await.until("the guest's write to 0x500", WAIT, () -> m.memory().read(0x500, 1)[0] == 0x42);
        }
    }

    @Test
    void resetWhilePausedKeepsRamAndRunsTheFirmwareAgain() {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.PRINT_J))) {
            m.resume();
            m.console().awaitLine(Pattern.compile("^J$"), WAIT, 0);
            m.pause();
            byte[] pattern = new byte[1 << 20];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i * 31 + 7);
            }
            m.memory().write(0x100000, pattern);
            long events = m.qmp().eventMark();
            long lines = m.console().mark();

            m.reset();

            QmpEvent.Reset reset = m.qmp().awaitEvent(QmpEvent.Reset.class, WAIT, events);
            assertThat(reset.guest()).isFalse();
            assertThat(reset.reason()).isEqualTo("host-qmp-system-reset");
            assertThat(m.status().state()).isEqualTo(RunState.PRELAUNCH);
            assertThat(m.memory().read(0x100000, pattern.length)).isEqualTo(pattern);
            assertThat(m.cpuStates().get(0).registers().rip()).isEqualTo(0xfff0);
            // The ROM file was unlinked after start: QEMU keeps its own copy for every reset.
            m.resume();
            assertThat(m.console().awaitLine(Pattern.compile("^J$"), WAIT, lines).index()).isEqualTo(1);
        }
    }

    @Test
    void aTripleFaultIsAGuestReset() {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.TRIPLE_FAULT))) {
            long events = m.qmp().eventMark();

            m.resume();

            QmpEvent.Reset reset = m.qmp().awaitEvent(QmpEvent.Reset.class, WAIT, events);
            assertThat(reset.guest()).isTrue();
            assertThat(reset.reason()).isEqualTo("guest-reset");
            m.pause();
        }
    }

    @Test
    void capturesCpuStateInRealProtectedAndLongMode() {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.MODES, h -> h.qmp(QmpOptions.defaults())))) {
            Registers reset = m.cpuStates().get(0).registers();
            assertThat(reset.mode()).isEqualTo(CpuMode.REAL);
            assertThat(reset.linearRip()).isEqualTo(0xfffffff0L);

            m.resume();
            Await.until("CPU 0 halted in 32-bit mode", WAIT, () -> m.cpuStates().get(0).halted());
            m.pause();
            CpuState pm = m.cpuStates().get(0);
            assertThat(pm.registers().mode()).isEqualTo(CpuMode.PROTECTED_32);
            assertThat(pm.registerWidth()).isEqualTo(32);
            assertThat(pm.registers().gpr().rbx()).isEqualTo(0x22222222L);

            m.memory().write(0x600, new byte[] {64});
            m.reset();
            m.resume();
            Await.until("CPU 0 halted in 64-bit mode", WAIT,
                    () -> m.cpuStates().get(0).registers().mode() == CpuMode.LONG_64 && m.cpuStates().get(0).halted());
            m.pause();
            CpuState lm = m.cpuStates().get(0);
            assertThat(lm.registerWidth()).isEqualTo(64);
            assertThat(lm.registers().gpr().rbx()).isEqualTo(0x0123456789abcdefL);
            assertThat(lm.registers().gpr().r15()).isEqualTo(0xfedcba9876543210L);
            assertThat(lm.registers().cr3()).isEqualTo(0x10000);
            assertThat(lm.registers().efer() & Efer.LMA).isNotZero();
            assertThat(lm.registers().cs().selector()).isEqualTo(0x18);
        }
    }

    @Test
    void everyVcpuIsCaptured() {
        try (QemuMachine m = QemuMachine.start(QemuConfig.builder().build(Machines.SMALL_RAM, 3, TestRoms.PRINT_J))) {
            assertThat(m.cpuStates()).extracting(CpuState::cpu).containsExactly(0, 1, 2);
        }
    }

    @Test
    void qemuKilledFromOutsideFailsWaitersAndCallsAtOnce() throws Exception {
        QemuConfig patient = config(TestRoms.PRINT_J, h -> h.qmp(QmpOptions.defaults().withCallTimeout(Duration.ofMinutes(5))));
        try (QemuMachine m = QemuMachine.start(patient)) {
            m.resume();
            m.console().awaitLine(Pattern.compile("^J$"), WAIT, 0);
            CompletableFuture<Object> eventWait = CompletableFuture.supplyAsync(
                    () -> m.qmp().awaitEvent(QmpEvent.named("GUEST_PANICKED"), Duration.ofMinutes(5)));
            CompletableFuture<Object> lineWait = CompletableFuture.supplyAsync(
                    () -> m.console().awaitLine(Pattern.compile("never"), Duration.ofMinutes(5)));

            ProcessHandle.of(m.pid()).orElseThrow().destroyForcibly();

            String died = "qemu-system-x86_64 (pid " + m.pid() + ") was killed by SIGKILL";
            assertThatThrownBy(() -> eventWait.get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(QmpClosedException.class).hasMessageContaining(died);
            assertThatThrownBy(() -> lineWait.get(30, TimeUnit.SECONDS)).cause()
                    .isInstanceOf(ConsoleClosedException.class).hasMessageContaining(died);
            assertThatThrownBy(m::pause)
                    .isInstanceOf(QmpClosedException.class)
                    .hasMessage("QMP stop: QMP connection closed: " + died);
            assertThat(m.isAlive()).isFalse();
        }
    }

    @Test
    void qemuDyingCarriesItsLastOutput() {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.PRINT_J))) {
            ProcessHandle.of(m.pid()).orElseThrow().destroy(); // SIGTERM: QEMU says why it exits

            assertThatThrownBy(() -> m.console().awaitLine(Pattern.compile("never"), WAIT))
                    .isInstanceOfSatisfying(ConsoleClosedException.class,
                            e -> assertThat(e.qemuOutput()).contains("terminating on signal 15"))
                    .hasMessageContaining("terminating on signal 15");
            assertThatThrownBy(m::status)
                    .isInstanceOfSatisfying(QmpClosedException.class,
                            e -> assertThat(e.qemuOutput()).contains("terminating on signal 15"));
        }
    }

    @Test
    void closeRemovesQemuFilesAndMapping() {
        QemuMachine m = QemuMachine.start(config(TestRoms.PRINT_J, h -> h.tmpRoot(tmp)));
        long pid = m.pid();
        Path dir = m.workDirectory();
        // Once QEMU has opened them, the RAM file, the ROM and the socket names are gone.
        assertThat(dir).isEmptyDirectory();

        m.close();
        m.close();

        assertThat(Await.processGone(pid)).isTrue();
        assertThat(dir).doesNotExist();
        assertThatThrownBy(() -> m.memory().readInt(0)).isInstanceOf(IllegalStateException.class);
        assertThat(ExitReaper.isRegistered(dir)).isFalse();
    }

    @Test
    void missingBinaryIsAOneLineErrorAndLeavesNothing() throws Exception {
        assertThatThrownBy(() -> QemuMachine.start(config(TestRoms.PRINT_J,
                        h -> h.tmpRoot(tmp).qemuBinary(Path.of("/nonexistent/qemu-system-x86_64")))))
                .hasMessage("/nonexistent/qemu-system-x86_64 not found; install qemu-system-x86");
        assertThatThrownBy(() -> QemuMachine.start(config(TestRoms.PRINT_J,
                        h -> h.tmpRoot(tmp).qemuBinary(Path.of("qemu-system-nonexistent")))))
                .hasMessage("qemu-system-nonexistent not found; install qemu-system-x86");
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void qemuRejectingItsCommandLineIsAStartError() {
        assertThatThrownBy(() -> QemuMachine.start(config(TestRoms.PRINT_J,
                        h -> h.tmpRoot(tmp).extraArgs(java.util.List.of("-no-such-option")))))
                .isInstanceOfSatisfying(dev.jkexec.qemu.process.QemuStartException.class, e -> {
                    assertThat(e.exitStatus()).hasValue(1);
                    assertThat(e.qemuOutput()).contains("-no-such-option: invalid option");
                })
                .hasMessageMatching("qemu-system-x86_64 \\(pid \\d+\\) exited with status 1 during start-up: "
                        + "qemu-system-x86_64: -no-such-option: invalid option");
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void aRomQemuCannotLoadIsAStartErrorQuotingQemu() throws Exception {
        // QemuConfig refuses bad ROM sizes itself; a second -bios (the last one wins) gets one past it.
        Path shortRom = Files.write(Files.createTempFile("short", ".rom"), new byte[32 << 10]);
        try {
            assertThatThrownBy(() -> QemuMachine.start(config(TestRoms.PRINT_J,
                            h -> h.tmpRoot(tmp).extraArgs(java.util.List.of("-bios", shortRom.toString())))))
                    .isInstanceOfSatisfying(dev.jkexec.qemu.process.QemuStartException.class,
                            e -> assertThat(e.qemuOutput()).contains("could not load PC BIOS"))
                    .hasMessageContaining("during start-up")
                    .hasMessageContaining("could not load PC BIOS");
            assertThat(tmp).isEmptyDirectory();
        } finally {
            Files.delete(shortRom);
        }
    }

    @Test
    void aRomOfTheWrongSizeIsRefusedByTheConfig() {
        assertThatThrownBy(() -> config(new byte[32 << 10]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ROM size 32768 is not a non-zero multiple of 64 KiB");
    }

    @Test
    void tmpfsWithoutRoomIsRefusedBeforeAnythingStarts() {
        assertThatThrownBy(() -> QemuMachine.start(config(TestRoms.PRINT_J, h -> h.tmpRoot(tmp).usableSpace(d -> 1L << 20))))
                .isInstanceOf(RamSpaceException.class)
                .hasMessageContaining("71303168 bytes (68 MiB) needed, only 1048576 bytes (1 MiB) free");
        assertThat(tmp).isEmptyDirectory();
    }

    @Test
    void forcedTcgIsReported() {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.PRINT_J, h -> h.accel(Optional.of(Accel.TCG))))) {
            assertThat(m.accel().reason()).isEqualTo("TCG: forced by --accel tcg");
            assertThat(m.qmp().humanMonitorCommand("info kvm")).contains("kvm support: disabled");
        }
    }

    @Test
    void theDoorbellIsCom2ConnectedBeforeTheFirstInstruction() throws Exception {
        try (QemuMachine m = QemuMachine.start(config(TestRoms.RING_DOORBELL, h -> h.doorbell(true)))) {
            assertThat(m.workDirectory().resolve("doorbell.sock")).doesNotExist();
            java.nio.channels.SocketChannel d = m.doorbell().orElseThrow();
            d.configureBlocking(false);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8);
            m.resume();
            Await.until("the ROM's byte on the doorbell", WAIT, () -> {
                try {
                    return d.read(b) < 0 || b.position() > 0;
                } catch (java.io.IOException e) {
                    throw new AssertionError(e);
                }
            });
            assertThat(new String(b.array(), 0, b.position())).isEqualTo("D");
        }
        try (QemuMachine m = QemuMachine.start(config(TestRoms.PRINT_J))) {
            assertThat(m.doorbell()).isEmpty();
        }
    }

    @Test
    void pvpanicGdbStubAndConsoleLogAreWired() throws Exception {
        Path log = tmp.resolve("console.log");
        QemuConfig c = config(TestRoms.PRINT_J,
                h -> h.pvpanic(true).gdbStub(true).console(ConsoleOptions.defaults().withLogFile(Optional.of(log))));
        try (QemuMachine m = QemuMachine.start(c)) {
            assertThat(m.qmp().humanMonitorCommand("info qtree")).contains("pvpanic-pci");
            Path gdb = m.gdbSocket().orElseThrow();
            try (var ch = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(gdb))) {
                ch.write(java.nio.ByteBuffer.wrap("$?#3f".getBytes()));
                java.nio.ByteBuffer reply = java.nio.ByteBuffer.allocate(64);
                ch.read(reply);
                assertThat(new String(reply.array(), 0, reply.position())).startsWith("+");
            }
            m.resume();
            m.console().awaitLine(Pattern.compile("^J$"), WAIT, 0);
        }
        assertThat(Files.readString(log)).isEqualTo("J\n");
    }
}
