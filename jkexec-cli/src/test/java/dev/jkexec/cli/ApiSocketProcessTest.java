package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsQemu;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12's socket file rules, held against a real {@code jkexec run} process (the JVM started as
 * the launcher starts it, from {@code sh -c 'umask 000; exec java …'}): the socket's directory is
 * 0700 and the socket 0600 whatever the umask, for {@code --api PATH} and for the default place; an
 * existing file at {@code --api PATH} is refused by name and left as it was, before QEMU starts;
 * and SIGTERM removes the socket (and leaves no QEMU behind).
 */
@NeedsQemu
class ApiSocketProcessTest {
    @TempDir
    Path dir;
    /** Completed when the run prints its API line; failed if it exits first. */
    private final CompletableFuture<Void> ready = new CompletableFuture<>();
    /** Completed when the run's output is all in the log. */
    private final CompletableFuture<Void> drained = new CompletableFuture<>();

    private List<String> jkexec(String... args) {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Djava.io.tmpdir=" + dir.resolve("tmp"), "-cp", System.getProperty("java.class.path"),
                "-Djkexec.root=" + System.getProperty("jkexec.root"), Main.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** {@code jkexec run} under umask 000, its output in {@code log}. */
    private Process run(Path log, String... apiArgs) throws Exception {
        Files.createDirectories(dir.resolve("tmp"));
        List<String> args = new ArrayList<>(List.of("run", "--kernel", GuestAssets.cloudKernel().toString(), "--busybox",
                "--ram", "256M", "--crash-size", "0", "--quiet", "--timeout", "600"));
        args.addAll(List.of(apiArgs));
        StringBuilder sh = new StringBuilder("umask 000; exec");
        for (String a : jkexec(args.toArray(String[]::new))) {
            sh.append(" '").append(a.replace("'", "'\\''")).append("'");
        }
        Process p = new ProcessBuilder("sh", "-c", sh.toString()).redirectErrorStream(true).start();
        Thread copier = new Thread(() -> copy(p, log), "run-output");
        copier.setDaemon(true);
        copier.start();
        return p;
    }

    /** Copies the run's output into {@code log}, line by line; the API line completes {@link #ready}. */
    private void copy(Process p, Path log) {
        try (var in = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            Files.writeString(log, "");
            for (String line; (line = in.readLine()) != null; ) {
                Files.writeString(log, line + "\n", StandardOpenOption.APPEND);
                if (line.contains("API: jkexec ctl --api ")) {
                    ready.complete(null); // printed once the socket is open
                }
            }
            ready.completeExceptionally(new IllegalStateException("jkexec run exited before its API was open"));
            drained.complete(null);
        } catch (Exception e) {
            ready.completeExceptionally(e);
            drained.completeExceptionally(e);
        }
    }

    /** Waits for the run's API line (the socket is open by then), then checks the socket is live. */
    private void awaitSocket(Path socket, Path log) throws Exception {
        try {
            ready.get(180, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError("no API socket from jkexec run: " + Files.readString(log), e);
        }
        assertThat(ApiSocket.isSocket(socket) && ApiSocket.live(socket)).as("a live socket at " + socket + ": " + Files.readString(log)).isTrue();
    }

    /** SIGTERM (Process.destroy), then the socket must be gone and no QEMU left. */
    private static void terminate(Process p, Path socket, Path log) throws Exception {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy(); // SIGTERM
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(Files.readString(log)).isTrue();
            assertThat(socket).as("the socket after SIGTERM").doesNotExist();
            for (ProcessHandle c : children) {
                c.onExit().get(30, TimeUnit.SECONDS);
            }
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void anApiPathIsOwnerOnlyUnderUmask000AndGoneAfterSigterm() throws Exception {
        Path socket = dir.resolve("new-dir/api.sock");
        Path log = dir.resolve("run.log");
        Process p = run(log, "--api", socket.toString());
        try {
            awaitSocket(socket, log);
            assertThat(mode(socket.getParent())).isEqualTo("rwx------");
            assertThat(mode(socket)).isEqualTo("rw-------");
            String r = RawHttp.request(socket, "GET", "/machine", (String) null);
            assertThat(RawHttp.status(r)).as(r).isEqualTo(200);
        } finally {
            terminate(p, socket, log);
        }
    }

    @Test
    void theDefaultSocketIsOwnerOnlyUnderUmask000AndGoneAfterSigterm() throws Exception {
        Path log = dir.resolve("run.log");
        Process p = run(log);
        Path socket = dir.resolve("tmp").resolve("jkexec-" + System.getProperty("user.name")).resolve("jkexec-" + p.pid() + ".sock");
        try {
            awaitSocket(socket, log);
            assertThat(Files.readString(log)).contains("API: jkexec ctl --api " + socket);
            assertThat(mode(socket.getParent())).isEqualTo("rwx------");
            assertThat(mode(socket)).isEqualTo("rw-------");
        } finally {
            terminate(p, socket, log);
        }
    }

    @Test
    void anExistingFileAtTheApiPathIsRefusedAndKept() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "keep me\n");
        Path log = dir.resolve("run.log");
        Process p = run(log, "--api", file.toString());
        try {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            drained.get(30, TimeUnit.SECONDS);
            String out = Files.readString(log);
            assertThat(p.exitValue()).as(out).isEqualTo(1);
            assertThat(out).isEqualTo("jkexec: --api: " + file + " exists and is not a socket; refusing to replace it\n");
            assertThat(Files.readString(file)).isEqualTo("keep me\n");
            assertThat(p.descendants().count()).as("no QEMU was started").isZero();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
