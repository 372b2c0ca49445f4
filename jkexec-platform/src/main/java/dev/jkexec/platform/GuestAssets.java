package dev.jkexec.platform;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The guest binaries jkexec runs but does not build: Debian kernels, their pvpanic modules, a
 * static busybox. The demo, the scenarios, {@code jkexec verify}'s default kernel and the
 * {@code testdata} and {@code qemu} test tiers use them.
 *
 * <p>One setting decides where they are: the system property {@code jkexec.testdata}, else the
 * environment variable {@code JKEXEC_TESTDATA}, else {@code ../shared/testdata} beside the
 * checkout (the checkout is the system property {@code jkexec.root}, set by the build and the
 * launcher, else the working directory). The binaries are never copied into the project.
 */
public final class GuestAssets {
    public static final String GENERIC_KERNEL = "linux-6.1-generic/vmlinuz-6.1.0-56-amd64";
    public static final String CLOUD_KERNEL = "linux-6.1-cloud/vmlinuz-6.1.0-56-cloud-amd64";
    public static final String BUSYBOX = "busybox/busybox";

    private GuestAssets() {
    }

    /** The test data directory; it may not exist (see {@link #require}). */
    public static Path dir() {
        String explicit = System.getProperty("jkexec.testdata");
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv("JKEXEC_TESTDATA");
        }
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath().normalize();
        }
        String root = System.getProperty("jkexec.root");
        Path base = root == null || root.isBlank() ? Path.of("").toAbsolutePath() : Path.of(root);
        return base.resolve("../shared/testdata").toAbsolutePath().normalize();
    }

    /** Whether the file exists, without failing. */
    public static boolean has(String relative) {
        return Files.isRegularFile(dir().resolve(relative));
    }

    /**
     * The path of a test data file.
     *
     * @throws JkexecException naming the missing file and how to get it
     */
    public static Path require(String relative) {
        Path p = dir().resolve(relative);
        if (!Files.isRegularFile(p)) {
            throw new JkexecException("test data missing: " + p + " (set -Djkexec.testdata=DIR or JKEXEC_TESTDATA=DIR; "
                    + "the files come from Debian 12 packages linux-image-6.1.0-56-amd64, "
                    + "linux-image-6.1.0-56-cloud-amd64-unsigned and busybox-static: "
                    + "'apt-get download <package>' and 'dpkg-deb -x', see ../shared/testdata/README.md)");
        }
        return p;
    }

    public static Path genericKernel() {
        return require(GENERIC_KERNEL);
    }

    public static Path cloudKernel() {
        return require(CLOUD_KERNEL);
    }

    public static Path busybox() {
        return require(BUSYBOX);
    }

    /** The pvpanic modules ({@code pvpanic.ko}, then {@code pvpanic-pci.ko}) for a kernel of the test data. */
    public static Path[] pvpanicModules(Path kernel) {
        Path d = kernel.getParent();
        return new Path[] {require(dir().relativize(d.resolve("pvpanic.ko")).toString()),
                require(dir().relativize(d.resolve("pvpanic-pci.ko")).toString())};
    }
}
