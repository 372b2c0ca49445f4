package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Machine tests (QEMU, TCG) of {@code jkexec run} in scripted mode: its exit statuses. */
@NeedsQemu
class RunCommandTest {
    private record Result(int status, String err) {
    }

    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
        return new Result(status, err.toString());
    }

    @Test
    void exitsZeroWhenTheConsoleMatches() {
        Result r = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--busybox", "--ram", "256M",
                "--crash-size", "0", "--exit-on", "jkexec-guest: init ready", "--timeout", "90", "--quiet");
        assertThat(r.status()).isZero();
    }

    @Test
    void aGuestRebootEndsTheRunWithStatusFour() {
        Result r = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--ram", "256M", "--crash-size", "0",
                "--append", "console=ttyS0 panic=1", "--timeout", "90", "--quiet");
        assertThat(r.status()).isEqualTo(RunCommand.REBOOTED);
    }

    @Test
    void timeoutAndBadInputAreStatusesNotTraces() {
        assertThat(run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--busybox", "--ram", "256M",
                "--crash-size", "0", "--timeout", "0.5", "--quiet").status()).isEqualTo(RunCommand.TIMEOUT);
        Result regex = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--exit-on", "(", "--timeout", "5");
        assertThat(regex.status()).isEqualTo(1);
        assertThat(regex.err()).startsWith("jkexec: --exit-on: invalid regex").doesNotContain("\tat ");
        Result entry = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--entry", "16", "--timeout", "5");
        assertThat(entry.err()).contains("--entry: 16");
    }
}
