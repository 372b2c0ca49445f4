package dev.jkexec.image;

import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.platform.GuestAssets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real test kernels, read and decompressed at most once per test JVM (the xz kernel takes
 * about a second to decompress). Missing test data fails with {@link GuestAssets}'s message.
 */
public final class RealKernels {
    private static byte[] generic;
    private static byte[] cloud;
    private static byte[] genericVmlinux;
    private static byte[] cloudVmlinux;

    private RealKernels() {
    }

    public static synchronized byte[] generic() {
        if (generic == null) {
            generic = read(GuestAssets.genericKernel());
        }
        return generic;
    }

    public static synchronized byte[] cloud() {
        if (cloud == null) {
            cloud = read(GuestAssets.cloudKernel());
        }
        return cloud;
    }

    public static synchronized byte[] genericVmlinux() {
        if (genericVmlinux == null) {
            genericVmlinux = BzImage.parse(MemorySegment.ofArray(generic())).decompress();
        }
        return genericVmlinux;
    }

    public static synchronized byte[] cloudVmlinux() {
        if (cloudVmlinux == null) {
            cloudVmlinux = BzImage.parse(MemorySegment.ofArray(cloud())).decompress();
        }
        return cloudVmlinux;
    }

    public static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
