package dev.jkexec.machine.matrix;

import dev.jkexec.platform.GuestAssets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A row of the compatibility matrix: a kernel a user can get (the test data's Debian 6.1 kernels,
 * what {@code scripts/kernels.sh} fetches from Debian 12's archive, the Multiboot test kernel jkexec
 * builds), how it is entered natively, and what it is.
 *
 * @param name     the row's name
 * @param source   where it comes from ({@code testdata:...}, {@code fetched:...}, {@code built by jkexec})
 * @param native_  its native entry (64, 32; Multiboot kernels 32)
 * @param kind     LINUX_64 (x86-64 Linux), LINUX_32 (a 32-bit Linux), MULTIBOOT_XEN, MULTIBOOT_TEST
 */
public record MatrixKernel(String name, String source, int native_, Kind kind) {
    public enum Kind { LINUX_64, LINUX_32, MULTIBOOT_XEN, MULTIBOOT_TEST }

    /** Every row, in the order the matrix shows them. */
    public static List<MatrixKernel> all() {
        return List.of(
                new MatrixKernel("Debian 6.1 generic (xz)", "testdata:" + GuestAssets.GENERIC_KERNEL, 64, Kind.LINUX_64),
                new MatrixKernel("Debian 6.1 cloud (lz4)", "testdata:" + GuestAssets.CLOUD_KERNEL, 64, Kind.LINUX_64),
                new MatrixKernel("Debian 6.12 generic (zstd, .ko.xz)", "fetched:" + GuestAssets.LINUX_6_12_GENERIC, 64, Kind.LINUX_64),
                new MatrixKernel("Debian 6.12 cloud (zstd, .ko.xz)", "fetched:" + GuestAssets.LINUX_6_12_CLOUD, 64, Kind.LINUX_64),
                new MatrixKernel("Debian 6.1 686 (EM_386)", "fetched:" + GuestAssets.LINUX_6_1_686, 32, Kind.LINUX_32),
                new MatrixKernel("Xen 4.17 (Multiboot, gzip; dom0 6.1 generic)", "fetched:" + GuestAssets.XEN_4_17, 32, Kind.MULTIBOOT_XEN),
                new MatrixKernel("jkexec's Multiboot test kernel", "built by jkexec", 32, Kind.MULTIBOOT_TEST));
    }

    /** The kernel file, or empty when the row has no data (not fetched). Built kernels are written by the runner. */
    public Optional<Path> file() {
        if (source.startsWith("testdata:")) {
            String rel = source.substring("testdata:".length());
            return GuestAssets.has(rel) ? Optional.of(GuestAssets.dir().resolve(rel)) : Optional.empty();
        }
        if (source.startsWith("fetched:")) {
            return GuestAssets.fetched(source.substring("fetched:".length()));
        }
        return Optional.empty();
    }

    /** Whether this row's data is here (built kernels always are). */
    public boolean available() {
        return kind == Kind.MULTIBOOT_TEST || (file().isPresent()
                && (kind != Kind.LINUX_32 || GuestAssets.busyboxI386().isPresent())
                && (kind != Kind.MULTIBOOT_XEN || GuestAssets.has(GuestAssets.GENERIC_KERNEL)));
    }

    public boolean linux() {
        return kind == Kind.LINUX_64 || kind == Kind.LINUX_32;
    }
}
