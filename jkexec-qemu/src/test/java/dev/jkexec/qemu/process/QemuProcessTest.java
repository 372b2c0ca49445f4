package dev.jkexec.qemu.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.qemu.GuestRam;
import dev.jkexec.qemu.Machines;
import dev.jkexec.qemu.QemuCommandLine;
import dev.jkexec.qemu.QemuConfig;
import dev.jkexec.qemu.common.PeerDiagnosis;
import dev.jkexec.qemu.TestRoms;
import dev.jkexec.qemu.UsableSpace;
import dev.jkexec.qemu.qmp.QmpClient;
import dev.jkexec.qemu.qmp.QmpOptions;
import dev.jkexec.qemu.qmp.RunState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The QEMU process on its own, without the machine facade. Needs {@code qemu-system-x86_64}. */
@Timeout(60)
@ExtendWith(Machines.NoQemuLeft.class)
@NeedsQemu
class QemuProcessTest {
    @TempDir
    Path dir;
    GuestRam ram;

    @BeforeEach
    void ram() {
        ram = GuestRam.create(dir, "ram", 64L << 20, UsableSpace.fileSystem());
    }

    @AfterEach
    void unmap() {
        ram.close();
    }

    private QemuCommandLine commandLine(byte[] rom) throws Exception {
        Path romFile = Files.write(dir.resolve("rom"), rom);
        return new QemuCommandLine(QemuConfig.builder().build(ram.size(), 1, rom), Accel.TCG, ram.file(), romFile,
                dir.resolve("qmp.sock"), dir.resolve("serial.sock"), Optional.empty(), Optional.empty());
    }

    private static QemuProcess start(QemuCommandLine c) {
        return QemuProcess.start(c.binary(), c.arguments());
    }

    @Test
    void aSocketThatNeverAppearsTimesOut() throws Exception {
        try (QemuProcess q = start(commandLine(TestRoms.PRINT_J))) {
            assertThatThrownBy(() -> q.connect(dir.resolve("nothing.sock"), Duration.ofMillis(300)))
                    .isInstanceOf(QemuStartException.class)
                    .hasMessageStartingWith("qemu-system-x86_64 did not open nothing.sock within 300 ms");
            assertThat(q.isAlive()).isTrue();
        }
    }

    @Test
    void survivesTheThreadThatAskedForIt() throws Exception {
        QemuCommandLine cl = commandLine(TestRoms.PRINT_J);
        AtomicReference<QemuProcess> started = new AtomicReference<>();
        // PR_SET_PDEATHSIG fires when the forking *thread* exits; the launcher thread must do the fork.
        Thread shortLived = Thread.ofPlatform().start(() -> started.set(start(cl)));
        shortLived.join();

        try (QemuProcess q = started.get();
             QmpClient qmp = QmpClient.start(q.connect(cl.qmpSocket(), Duration.ofSeconds(20)), QmpOptions.defaults(),
                     () -> q.diagnose(Duration.ofSeconds(1)))) {
            assertThat(qmp.queryStatus().state()).isEqualTo(RunState.PRELAUNCH);
            assertThat(q.isAlive()).isTrue();
        }
    }

    @Test
    void closeTerminatesAndDescribesTheEnd() throws Exception {
        QemuProcess q = start(commandLine(TestRoms.PRINT_J));
        // After the QMP handshake QEMU is in its main loop, where it reports the signal that ends it.
        QmpClient.start(q.connect(dir.resolve("qmp.sock"), Duration.ofSeconds(20)), QmpOptions.defaults(),
                PeerDiagnosis::unknown).close();
        assertThat(q.describeState()).endsWith("is still running");

        q.close();
        q.close();

        assertThat(q.isAlive()).isFalse();
        assertThat(q.exitStatus()).isPresent();
        PeerDiagnosis d = q.diagnose(Duration.ZERO);
        // In its main loop QEMU handles SIGTERM: it says so and exits with status 0.
        assertThat(d.summary()).matches("qemu-system-x86_64 \\(pid \\d+\\) exited with status 0");
        assertThat(d.qemuOutput()).contains("terminating on signal 15");
    }

    @Test
    void findsProgramsOnThePath() {
        assertThat(QemuProcess.resolve(Path.of("qemu-system-x86_64"))).isPresent();
        assertThat(QemuProcess.resolve(Path.of("qemu-system-nonexistent"))).isEmpty();
        assertThat(QemuProcess.resolve(Path.of("/etc"))).isEmpty(); // exists, not a file
    }
}
