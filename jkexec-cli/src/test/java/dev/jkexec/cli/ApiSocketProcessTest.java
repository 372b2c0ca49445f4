package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsQemu;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        return new ProcessBuilder("sh", "-c", sh.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitSocket(Process p, Path socket, Path log) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (!(Files.exists(socket, LinkOption.NOFOLLOW_LINKS) && ApiSocket.isSocket(socket) && ApiSocket.live(socket))) {
            assertThat(p.isAlive()).as("jkexec run exited: " + Files.readString(log)).isTrue();
            assertThat(System.nanoTime()).as("no socket at " + socket + ": " + Files.readString(log)).isLessThan(deadline);
            Thread.sleep(100);
        }
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
            awaitSocket(p, socket, log);
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
            awaitSocket(p, socket, log);
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
