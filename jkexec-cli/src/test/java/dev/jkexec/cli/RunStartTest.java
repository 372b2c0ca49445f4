package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a {@code jkexec run} does before its options are parsed, seen from a JVM of its own
 * ({@code -Xlog:class+load}, this test's class path): it reads no picocli annotation (RunSpec), so
 * the annotation types are never even loaded, where {@code plan} (annotated) loads them; and picocli
 * does not look for Groovy (which opened jkexec.jar in every launch that had the AOT cache), nor for its
 * java.sql and java.time converters' classes and methods (reflection at each CommandLine's start).
 */
@Pure
class RunStartTest {
    @TempDir
    Path tmp;

    private record Launch(int status, String classes, String err) {
    }

    @Test
    void run_reads_no_annotation_and_picocli_looks_for_no_groovy() throws Exception {
        Launch run = launch("run", "--kernel", "/nonexistent");
        assertThat(run.status()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains("jkexec: kernel: /nonexistent: no such file");
        assertThat(run.classes()).contains("picocli.CommandLine$Model$CommandSpec ")
                .doesNotContain("picocli.CommandLine$Option ", "picocli.CommandLine$Command ", "picocli.CommandLine$Mixin ");
        assertThat(run.err()).contains("groovy Closures in annotations are disabled");
        assertThat(run.classes()).as("picocli's java.sql converters are not looked up by reflection (Main)")
                .doesNotContain("java.sql.Time ", "java.sql.DriverManager ");

        Launch plan = launch("plan", "--kernel", "/nonexistent"); // annotated: the same log sees annotations read
        assertThat(plan.err()).contains("/nonexistent");
        assertThat(plan.classes()).contains("picocli.CommandLine$Option ", "picocli.CommandLine$Command ");
    }

    /** {@code jkexec ARGS} in a JVM on this test's class path, with picocli's info trace on stderr. */
    private Launch launch(String... args) throws Exception {
        Path log = tmp.resolve("classes-" + args[0] + ".txt");
        Path err = tmp.resolve("err-" + args[0] + ".txt");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC",
                "-Xlog:class+load:file=" + log, "-Dpicocli.trace=INFO",
                "-cp", System.getProperty("java.class.path"), "dev.jkexec.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
        try {
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("jkexec " + String.join(" ", args)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        return new Launch(p.exitValue(), Files.readString(log), Files.readString(err));
    }
}
