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

    /**
     * {@code run --crash-kernel}: the crash image is loaded before the first boot (written while QEMU
     * starts), so a panic early in the first kernel reaches it — here the first kernel has no initrd
     * and no root device, and panics when it finds no root file system; the crash kernel's busybox
     * guest then prints its init marker, which ends the run with 0.
     */
    @Test
    void aPanicEarlyInTheFirstBootReachesTheCrashKernel() {
        Result r = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--append", "console=ttyS0,115200",
                "--ram", "256M", "--crash-size", "160M", "--crash-kernel", GuestAssets.cloudKernel().toString(),
                "--crash-append", "console=ttyS0,115200 jkexec.gen=crash",
                "--exit-on", "jkexec-guest: init ready gen=crash", "--timeout", "120", "--quiet");
        assertThat(r.status()).as(r.err()).isZero();
    }

    /** A Multiboot kernel whose first instruction is ud2: with no IDT the #UD becomes a triple fault, a guest reset. */
    static byte[] tripleFault() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long flags = (1 << 1) | (1 << 16);
        b.putInt(0x1BADB002).putInt((int) flags).putInt((int) -(0x1BADB002L + flags));
        b.putInt(0x100000).putInt(0x100000).putInt(0).putInt(0).putInt(0x100020);
        b.put(0x20, (byte) 0x0F).put(0x21, (byte) 0x0B);
        return b.array();
    }

    @Test
    void aGuestResetEndsTheRunWithStatusFour(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path k = java.nio.file.Files.write(dir.resolve("ud2.bin"), tripleFault());
        Result r = run("run", "--kernel", k.toString(), "--ram", "256M", "--crash-size", "0", "--timeout", "90", "--quiet");
        assertThat(r.status()).as(r.err()).isEqualTo(RunCommand.REBOOTED);
    }

    @Test
    void aPanicWithoutCrashKernelIsCaughtAndDumped(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        // no initrd: the kernel panics mounting its root; without pvpanic its console line tells jkexec
        Result r = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--ram", "256M", "--crash-size", "0",
                "--append", "console=ttyS0 panic=1", "--dump-dir", dir.toString(), "--timeout", "90", "--quiet");
        assertThat(r.status()).as(r.err()).isEqualTo(RunCommand.DUMPED);
        try (java.util.stream.Stream<java.nio.file.Path> cores = java.nio.file.Files.list(dir)) {
            assertThat(cores.map(p -> p.getFileName().toString())).singleElement().asString().startsWith("jkexec-core-");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void crashKernelOptionsNeedTheCrashKernel() {
        Result r = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--crash-initrd", "/x", "--timeout", "5");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).startsWith("jkexec: --crash-initrd, --crash-append and --crash-entry describe the --crash-kernel");
        Result e = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--crash-kernel", GuestAssets.cloudKernel().toString(),
                "--crash-entry", "8", "--timeout", "5");
        assertThat(e.err()).startsWith("jkexec: --crash-entry: 8 is none of 64");
    }

    @Test
    void timeoutAndBadInputAreStatusesNotTraces() {
        assertThat(run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--busybox", "--ram", "256M",
                "--crash-size", "0", "--timeout", "0.5", "--quiet").status()).isEqualTo(RunCommand.TIMEOUT);
        Result regex = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--exit-on", "(", "--timeout", "5");
        assertThat(regex.status()).isEqualTo(1);
        assertThat(regex.err()).startsWith("jkexec: --exit-on: invalid regex").doesNotContain("\tat ");
        Result entry = run("run", "--kernel", GuestAssets.cloudKernel().toString(), "--entry", "8", "--timeout", "5");
        assertThat(entry.err()).contains("--entry: 8 is none of 64 (long mode), 32 (protected mode), 16 (real mode)");
    }
}
