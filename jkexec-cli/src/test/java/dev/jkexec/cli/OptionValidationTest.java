package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 14 item 2: every option is checked as the command line is parsed, one line naming the
 * option, exit 2, before any file is read or QEMU starts; --help works on every subcommand; the
 * same error gives the same status from plan, run and verify.
 */
@Pure
class OptionValidationTest {
    @TempDir
    Path dir;

    private static Cli expectUsage(String... args) {
        Cli r = Cli.run(args);
        assertThat(r.status()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
        assertThat(r.err().lines()).as(String.join(" ", args)).hasSize(1);
        assertThat(r.err()).startsWith("jkexec: ").doesNotContain("Usage:", "Exception");
        return r;
    }

    @Test
    void sizes_cpus_and_timeouts_are_checked_with_the_option_named() {
        String k = "/nonexistent"; // never read: the options fail first
        for (String cmd : new String[] {"plan", "run", "verify"}) {
            assertThat(expectUsage(cmd, "--kernel", k, "--ram", "32M").err())
                    .contains("'--ram'", "'32M' is below the smallest guest RAM, 64 MiB");
            assertThat(expectUsage(cmd, "--kernel", k, "--ram", "65G").err()).contains("'--ram'", "64 GiB", "tmpfs");
            assertThat(expectUsage(cmd, "--kernel", k, "--ram", "1X").err()).contains("'--ram'", "'1X' is not a size");
            assertThat(expectUsage(cmd, "--kernel", k, "--ram", "0x4000001").err()).contains("not a multiple of 2 MiB");
            assertThat(expectUsage(cmd, "--kernel", k, "--cpus", "65").err()).contains("'--cpus'", "65 is outside 1..64");
            assertThat(expectUsage(cmd, "--kernel", k, "--cpus", "0").err()).contains("'--cpus'", "0 is outside 1..64");
            assertThat(expectUsage(cmd, "--kernel", k, "--cpus", "two").err()).contains("'--cpus'", "not a number of vCPUs");
            assertThat(expectUsage(cmd, "--kernel", k, "--entry", "8").err()).contains("--entry: 8 is none of 64");
            if (!cmd.equals("run")) {
                assertThat(expectUsage(cmd, "--kernel", k, "--type", "warm").err()).contains("--type: 'warm' is neither default nor crash");
            }
        }
        for (String t : new String[] {"-1", "0", "NaN", "Infinity", "1e300", "soon"}) {
            assertThat(expectUsage("run", "--kernel", k, "--timeout", t).err()).contains("'--timeout'");
            assertThat(expectUsage("verify", "--kernel", k, "--timeout", t).err()).contains("'--timeout'");
        }
        assertThat(expectUsage("run", "--kernel", k, "--crash-size", "3M").err()).contains("'--crash-size'", "multiple of 2 MiB");
        assertThat(expectUsage("run", "--kernel", k, "--staging", "0").err()).contains("'--staging'", "below 2 MiB");
        assertThat(expectUsage("run", "--kernel", k, "--ram", "16G", "--crash-size", "3G").err())
                .contains("--ram/--crash-size/--staging/--cpus: crash region 3072 MiB + staging 256 MiB",
                        "leaves less than 64 MiB of guest RAM below 3072 MiB");
    }

    @Test
    void directories_must_exist_and_be_writable() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        String k = "/nonexistent";
        assertThat(expectUsage("run", "--kernel", k, "--dump-dir", dir.resolve("nope").toString()).err())
                .contains("'--dump-dir'", "no such directory");
        assertThat(expectUsage("run", "--kernel", k, "--dump-dir", file.toString()).err()).contains("'--dump-dir'", "is not a directory");
        assertThat(expectUsage("scenario", "--dump-dir", file.toString(), "x.json").err()).contains("'--dump-dir'");
        assertThat(expectUsage("run", "--kernel", k, "--modules-dir", file.toString()).err()).contains("'--modules-dir'");
        assertThat(expectUsage("run", "--kernel", k, "--console-log", dir.toString()).err()).contains("'--console-log'", "is a directory");
        assertThat(expectUsage("run", "--kernel", k, "--console-log", dir.resolve("no/such/log").toString()).err())
                .contains("'--console-log'", "its directory does not exist");
    }

    @Test
    void help_works_on_every_subcommand() {
        List<String[]> paths = new ArrayList<>();
        collect(Main.commandLine(null), new ArrayList<>(), paths);
        assertThat(paths).hasSizeGreaterThan(12);
        for (String[] p : paths) {
            List<String> args = new ArrayList<>(List.of(p));
            args.add("--help");
            Cli r = Cli.run(args.toArray(String[]::new));
            assertThat(r.status()).as(String.join(" ", args) + ": " + r.err()).isZero();
            assertThat(r.out()).as(String.join(" ", args)).contains("Usage: jkexec");
        }
    }

    private static void collect(CommandLine c, List<String> path, List<String[]> out) {
        for (var e : c.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<String> p = new ArrayList<>(path);
            p.add(e.getKey());
            out.add(p.toArray(String[]::new));
            collect(e.getValue(), p, out);
        }
    }
}
