package dev.jkexec.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.NeedsQemu;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * QEMU never outlives jkexec: a child JVM ({@link MachineChild}, same java binary and class path)
 * starts a machine, and the test ends the JVM in the ways a user can. Needs
 * {@code qemu-system-x86_64}; each case takes a few seconds (a JVM start).
 */
@Timeout(120)
@ExtendWith(Machines.NoQemuLeft.class)
@NeedsQemu
class QemuLifetimeTest {
    static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;
    Process child;

    /** A started child and what it reported. */
    record Child(Process process, long qemuPid, Path workDirectory) {}

    private Child startChild() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Path log = tmp.resolve("child.log");
        // env resets SIGINT/SIGTERM to their defaults: a JVM started with a signal ignored keeps ignoring it.
        child = new ProcessBuilder(List.of("env", "--default-signal=INT,TERM", java,
                "-cp", System.getProperty("java.class.path"), MachineChild.class.getName(), tmp.toString()))
                .redirectError(log.toFile())
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        String ready;
        try {
            ready = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("child did not report READY; its stderr: " + Files.readString(log), e);
        }
        assertThat(ready).as("child output; stderr: %s", Files.readString(log)).startsWith("READY ");
        String[] f = ready.split(" ");
        Child c = new Child(child, Long.parseLong(f[1]), Path.of(f[2]));
        assertThat(Await.processGone(c.qemuPid())).isFalse();
        assertThat(c.workDirectory()).exists();
        return c;
    }

    @AfterEach
    void killChild() {
        if (child != null) {
            child.destroyForcibly();
        }
    }

    @Test
    void killingTheJvmWithSigkillKillsQemu() throws Exception {
        Child c = startChild();

        c.process().destroyForcibly(); // SIGKILL: no shutdown hooks run; only the kernel's pdeathsig is left

        assertThat(c.process().waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();
        Await.until("QEMU pid " + c.qemuPid() + " to die with its JVM", DEADLINE, () -> Await.processGone(c.qemuPid()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"INT", "TERM"})
    void aSignalToTheJvmKillsQemuAndRemovesItsFiles(String signal) throws Exception {
        Child c = startChild();

        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(c.process().pid())).start();
        assertThat(kill.waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).isTrue();

        assertThat(c.process().waitFor(DEADLINE.toSeconds(), TimeUnit.SECONDS)).as("child JVM exits on SIG" + signal).isTrue();
        assertThat(c.process().exitValue()).isEqualTo(signal.equals("INT") ? 130 : 143);
        Await.until("QEMU pid " + c.qemuPid() + " to be killed by the shutdown hook", DEADLINE, () -> Await.processGone(c.qemuPid()));
        assertThat(c.workDirectory()).doesNotExist();
    }
}
