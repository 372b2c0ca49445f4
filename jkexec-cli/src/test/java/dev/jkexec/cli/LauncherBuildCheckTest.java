package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's rebuild check ({@code jkexec_needs_build} in scripts/env.sh): a checkout is rebuilt
 * when the jar or the dom0 files are missing, or any source or POM is newer than the jar, and not for
 * what is no source (a build's own output, docs, the hidden {@code .git}). The same find names the
 * jar's size and time for the AOT cache ({@code JKEXEC_JAR_KEY}), which must change when the jar
 * does. Runs the real function with bash on a small tree of its own.
 */
@Pure
class LauncherBuildCheckTest {
    private static final Path ROOT = Path.of(System.getProperty("jkexec.root", "..")).toAbsolutePath().normalize();
    private static final FileTime BUILT = FileTime.fromMillis(1_700_000_000_000L);

    @TempDir
    Path tree;

    record Check(boolean needsBuild, String key) {
    }

    private Path jar;

    /** A checkout with one module whose jar and dom0 files were built after every source. */
    private void checkout() throws Exception {
        write("pom.xml", BUILT.toMillis() - 10_000);
        write("jkexec-cli/pom.xml", BUILT.toMillis() - 10_000);
        write("jkexec-cli/src/main/java/dev/jkexec/cli/Main.java", BUILT.toMillis() - 10_000);
        write("jkexec-dom0/build.sh", BUILT.toMillis() - 10_000);
        write("jkexec-dom0/target/dom0/manifest", BUILT.toMillis());
        jar = write("jkexec-cli/target/jkexec.jar", BUILT.toMillis());
    }

    private Path write(String name, long mtime) throws Exception {
        Path p = tree.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, name);
        Files.setLastModifiedTime(p, FileTime.fromMillis(mtime));
        return p;
    }

    private void touch(String name) throws Exception {
        write(name, BUILT.toMillis() + 10_000);
    }

    private Check check() throws Exception {
        Process p = new ProcessBuilder("bash", "-c",
                "set -euo pipefail; . \"$0/scripts/env.sh\"; ROOT=$1;"
                        + " if jkexec_needs_build \"$2\"; then echo build; else echo fresh; fi;"
                        + " echo \"${JKEXEC_JAR_KEY:-}|${JKEXEC_KEYED_JAR:-}\"",
                ROOT.toString(), tree.toString(), jar.toString()).redirectErrorStream(true).start();
        List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join("\n", out)).isZero();
        assertThat(out).as(String.join("\n", out)).hasSize(2);
        String[] key = out.get(1).split("\\|", -1);
        if (!key[0].isEmpty()) {
            assertThat(key[1]).as("the key names the jar it was read from").isEqualTo(jar.toString());
        }
        return new Check(out.get(0).equals("build"), key[0]);
    }

    @Test
    void aFreshCheckoutIsNotRebuiltAndKeysTheJarBySizeAndTime() throws Exception {
        checkout();
        Check c = check();
        assertThat(c.needsBuild()).isFalse();
        assertThat(c.key()).startsWith(Files.size(jar) + "-1700000000.");
    }

    @Test
    void aNewerSourcePomResourceOrDom0FileIsRebuilt() throws Exception {
        for (String source : List.of("jkexec-cli/src/main/java/dev/jkexec/cli/Main.java", "pom.xml", "jkexec-cli/pom.xml",
                "jkexec-cli/src/main/resources/dev/jkexec/cli/usage.txt", "jkexec-dom0/build.sh", "jkexec-dom0/src/shim.c",
                "jkexec-new/src/main/java/New.java")) {
            checkout();
            touch(source);
            assertThat(check().needsBuild()).as(source).isTrue();
        }
    }

    @Test
    void whatIsNoSourceDoesNotRebuild() throws Exception {
        for (String other : List.of("docs/notes.md", "jkexec-cli/target/classes/Main.java", ".git/objects/Main.java",
                "jkexec-cli/README.md", "jkexec-cli/src/test/data.bin")) {
            checkout();
            touch(other);
            assertThat(check().needsBuild()).as(other).isFalse();
        }
    }

    @Test
    void aMissingJarOrDom0BuildIsRebuiltAndAChangedJarGetsAnotherKey() throws Exception {
        checkout();
        String key = check().key();
        Files.delete(tree.resolve("jkexec-dom0/target/dom0/manifest"));
        assertThat(check().needsBuild()).as("no dom0 manifest").isTrue();
        checkout();
        Files.writeString(jar, "rebuilt, another size");
        Files.setLastModifiedTime(jar, FileTime.fromMillis(BUILT.toMillis() + 1));
        Check rebuilt = check();
        assertThat(rebuilt.needsBuild()).isFalse();
        assertThat(rebuilt.key()).isNotEqualTo(key);
        Files.delete(jar);
        Check missing = check();
        assertThat(missing.needsBuild()).as("no jar").isTrue();
        assertThat(missing.key()).isEmpty();
    }
}
