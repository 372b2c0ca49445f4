package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's JVM AOT cache ({@code jkexec_aot_cache} in scripts/env.sh, which {@code ./jkexec}
 * calls): trained once per jar and JDK, reused after, off with {@code JKEXEC_AOT=0}, and a cache
 * made for another jar — or for this jar before it was rebuilt — is never handed to the JVM. Runs
 * the real function with the real JDK 25 on a one-class jar whose {@code dev.jkexec.cli.AotTraining}
 * only prints a line, so a training takes a second or two instead of booting a kernel; and the JVM
 * itself, with {@code -XX:AOTMode=on} (which fails when it cannot map the cache), runs each jar's own
 * code with the cache it was given. The keying matters: JDK 25.0.3 was seen to map a class from the
 * cache of a jar rebuilt at the same path ({@code -Xlog:class+load}: "source: shared objects
 * file") and run the old code, so a stale cache must never be offered.
 */
@Pure
class LauncherAotCacheTest {
    private static final Path ROOT = Path.of(System.getProperty("jkexec.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    record Call(List<String> opts, String stderr) {
    }

    @Test
    void trainedOnceReusedDisabledAndNeverStale() throws Exception {
        Path jar = trainingJar(tmp.resolve("a/jkexec.jar"), "one");
        Path cache = tmp.resolve("cache");

        Call first = aotCache(jar, cache, "1");
        assertThat(first.stderr()).contains("training the JVM's AOT cache");
        assertThat(first.opts()).hasSize(1);
        String opt = first.opts().getFirst();
        assertThat(opt).startsWith("-XX:AOTCache=" + cache.resolve("aot")).endsWith(".aot");
        Path file = Path.of(opt.substring("-XX:AOTCache=".length()));
        assertThat(file).isRegularFile();
        assertThat(javaWith(jar, "-XX:AOTMode=on", opt)).as("the JVM maps the trained cache").contains("[one]");

        FileTime trained = Files.getLastModifiedTime(file);
        Call second = aotCache(jar, cache, "1");
        assertThat(second.stderr()).as("reused, not trained again").doesNotContain("training");
        assertThat(second.opts()).containsExactly(opt);
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(trained);

        Call off = aotCache(jar, cache, "0");
        assertThat(off.opts()).as("JKEXEC_AOT=0: no cache option").isEmpty();
        assertThat(off.stderr()).doesNotContain("training");

        // Other JVM options (the launcher's change, or a user's): the JVM would silently ignore a cache made
        // under these, so they get their own, trained with them, and the JVM maps it under them.
        Call otherOpts = aotCache(jar, cache, "1", "-XX:+UseSerialGC", "-Djkexec.aot.test=other");
        assertThat(otherOpts.stderr()).contains("training");
        assertThat(otherOpts.opts()).hasSize(1).doesNotContain(opt);
        assertThat(javaWith(jar, "-XX:AOTMode=on", "-Djkexec.aot.test=other", otherOpts.opts().getFirst()))
                .as("the JVM maps the cache trained under the same options").contains("[one]");

        // Another checkout's jar gets its own cache, never this one.
        Path other = trainingJar(tmp.resolve("b/jkexec.jar"), "one");
        Call otherCall = aotCache(other, cache, "1");
        assertThat(otherCall.stderr()).contains("training");
        assertThat(otherCall.opts()).hasSize(1).doesNotContain(opt);

        // The same jar rebuilt (new size and time): the old cache is not used, and is replaced.
        trainingJar(jar, "rebuilt with other contents");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(trained.toMillis() + 5000));
        Call rebuilt = aotCache(jar, cache, "1");
        assertThat(rebuilt.stderr()).contains("training");
        assertThat(rebuilt.opts()).hasSize(1).doesNotContain(opt);
        assertThat(file).as("the stale cache of this checkout is removed").doesNotExist();
        assertThat(javaWith(jar, "-XX:AOTMode=on", rebuilt.opts().getFirst())).as("the rebuilt jar's code runs")
                .contains("[rebuilt with other contents]");
    }

    /** Runs {@code jkexec_aot_cache JAR -XX:+UseSerialGC} as the launcher does and returns the AOT_OPTS it set. */
    private Call aotCache(Path jar, Path cache, String aot) throws Exception {
        return aotCache(jar, cache, aot, "-XX:+UseSerialGC");
    }

    /** Runs {@code jkexec_aot_cache JAR JVM_OPTS...} as the launcher does and returns the AOT_OPTS it set. */
    private Call aotCache(Path jar, Path cache, String aot, String... jvmOpts) throws Exception {
        Path err = Files.createTempFile(tmp, "err", ".txt");
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", "-c",
                "set -euo pipefail; . \"$0/scripts/env.sh\"; jkexec_find_jdk; jkexec_aot_cache \"$@\";"
                        + " for o in \"${AOT_OPTS[@]}\"; do echo \"$o\"; done", ROOT.toString(), jar.toString()));
        cmd.addAll(List.of(jvmOpts));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
        pb.environment().putAll(Map.of("JKEXEC_CACHE", cache.toString(), "JKEXEC_AOT", aot));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(err)).isZero();
        return new Call(out.lines().filter(l -> !l.isBlank()).toList(), Files.readString(err));
    }

    /** The JDK's java with {@code opts}, running the jar's training class; its output (status 0 required). */
    private static String javaWith(Path jar, String... opts) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC"));
        cmd.addAll(List.of(opts));
        cmd.addAll(List.of("-cp", jar.toString(), "dev.jkexec.cli.AotTraining"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** A jar holding one class, {@code dev.jkexec.cli.AotTraining}, that prints {@code text}. */
    private Path trainingJar(Path jar, String text) throws IOException {
        Path src = Files.createDirectories(tmp.resolve("src-" + text.hashCode() + "/dev/jkexec/cli"));
        Files.writeString(src.resolve("AotTraining.java"), "package dev.jkexec.cli; public class AotTraining { "
                + "public static void main(String[] a) { System.out.println(java.util.List.of(\"" + text + "\")); } }");
        Path classes = Files.createDirectories(tmp.resolve("classes-" + text.hashCode()));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, "-d", classes.toString(), src.resolve("AotTraining.java").toString())).isZero();
        Files.createDirectories(jar.getParent());
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (OutputStream o = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(o, mf);
             Stream<Path> files = Files.walk(classes)) {
            for (Path c : files.filter(Files::isRegularFile).toList()) {
                j.putNextEntry(new JarEntry(classes.relativize(c).toString()));
                j.write(Files.readAllBytes(c));
                j.closeEntry();
            }
        }
        return jar;
    }
}
