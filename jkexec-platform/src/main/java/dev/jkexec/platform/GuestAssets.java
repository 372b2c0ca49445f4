package dev.jkexec.platform;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The guest binaries jkexec runs but does not build: Debian kernels, their pvpanic modules, a
 * static busybox. The demo, the scenarios, {@code jkexec verify}'s default kernel and the
 * {@code testdata} and {@code qemu} test tiers use them.
 *
 * <p>One setting decides where they are: the system property {@code jkexec.testdata}, else the
 * environment variable {@code JKEXEC_TESTDATA}, else {@code ../shared/testdata} beside the
 * checkout (the checkout is the system property {@code jkexec.root}, set by the build and the
 * launcher, else the working directory). The binaries are never copied into the project.
 *
 * <p>The kernels beyond it — Debian 12's 6.12 generic and cloud kernels, the 686 kernel, an i386
 * busybox and Xen 4.17 — are fetched from Debian's archive at test time by
 * {@code scripts/kernels.sh} ({@code apt-get download}, cached) into {@link #fetchedDir()}: the
 * system property {@code jkexec.kernels}, else {@code JKEXEC_KERNELS}, else
 * {@code ~/.cache/jkexec/kernels}. Each kernel is a directory as {@code dpkg-deb -x} unpacks its
 * package ({@code boot/vmlinuz-R}, {@code lib/modules/R/...}).
 */
public final class GuestAssets {
    public static final String GENERIC_KERNEL = "linux-6.1-generic/vmlinuz-6.1.0-56-amd64";
    public static final String CLOUD_KERNEL = "linux-6.1-cloud/vmlinuz-6.1.0-56-cloud-amd64";
    public static final String BUSYBOX = "busybox/busybox";

    /** Fetched kernels by directory name ({@code scripts/kernels.sh NAME}). */
    public static final String LINUX_6_12_GENERIC = "linux-6.12-generic";
    public static final String LINUX_6_12_CLOUD = "linux-6.12-cloud";
    public static final String LINUX_6_1_686 = "linux-6.1-686";
    public static final String XEN_4_17 = "xen-4.17";
    public static final String BUSYBOX_I386 = "busybox-i386";

    private GuestAssets() {
    }

    /** Where {@code scripts/kernels.sh} puts the kernels it fetches. */
    public static Path fetchedDir() {
        String explicit = System.getProperty("jkexec.kernels");
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv("JKEXEC_KERNELS");
        }
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".cache", "jkexec", "kernels");
    }

    /**
     * The kernel file of a fetched package ({@code boot/vmlinuz-*}, or Xen's {@code boot/xen-*.gz}),
     * if {@code scripts/kernels.sh NAME} has fetched it.
     */
    public static Optional<Path> fetched(String name) {
        Path boot = fetchedDir().resolve(name).resolve("boot");
        if (!Files.isDirectory(boot)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.list(boot)) {
            return files.filter(f -> {
                String n = f.getFileName().toString();
                return Files.isRegularFile(f) && (n.startsWith("vmlinuz-") || (n.startsWith("xen-") && n.endsWith(".gz")));
            }).sorted().findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The static i386 busybox ({@code scripts/kernels.sh busybox-i386}), if fetched. */
    public static Optional<Path> busyboxI386() {
        Path p = fetchedDir().resolve(BUSYBOX_I386).resolve("bin/busybox");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }

    /** The hint for a fetched kernel that is missing. */
    public static String fetchHint(String name) {
        return name + " not fetched into " + fetchedDir() + ": run scripts/kernels.sh " + name
                + " (apt-get download from Debian 12's archive, cached)";
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
