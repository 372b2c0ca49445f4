package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A machine test (QEMU, TCG) of {@code jkexec run}'s interactive console, on a real pseudo-terminal
 * (util-linux {@code script} gives the child one): typed keys reach the guest's shell, its output
 * reaches the terminal, Ctrl-] quits with status 0 and the terminal is restored.
 */
@NeedsQemu
class InteractiveRunTest {
    @Test
    void typedKeysReachTheGuestAndCtrlBracketQuits() throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String jkexec = String.join(" ", List.of(java, "--illegal-native-access=deny",
                "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                "-Djkexec.root=" + System.getProperty("jkexec.root"), Main.class.getName(), "run", "--kernel",
                GuestAssets.cloudKernel().toString(), "--busybox", "--ram", "256M", "--crash-size", "0"));
        Process p = new ProcessBuilder("script", "-q", "-e", "-c", jkexec, "/dev/null").redirectErrorStream(true).start();
        try {
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            InputStream in = p.getInputStream();
            OutputStream keys = p.getOutputStream();
            awaitText(in, seen, "jkexec-guest: init ready");
            keys.write("echo typed-$((6*7))\r".getBytes(StandardCharsets.US_ASCII));
            keys.flush();
            awaitText(in, seen, "typed-42");
            keys.write(0x1d); // Ctrl-]
            keys.flush();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(seen.toString()).isTrue();
            assertThat(p.exitValue()).as(seen.toString()).isZero();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static void awaitText(InputStream in, ByteArrayOutputStream seen, String text) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        byte[] b = new byte[4096];
        while (!seen.toString(StandardCharsets.UTF_8).contains(text)) {
            assertThat(System.nanoTime()).as("waiting for '" + text + "' in: " + seen).isLessThan(deadline);
            int n = in.read(b);
            assertThat(n).as("the terminal closed before '" + text + "': " + seen).isPositive();
            seen.write(b, 0, n);
        }
    }
}
