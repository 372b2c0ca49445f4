package dev.jkexec.machine.guest;

import dev.jkexec.platform.JkexecException;
import dev.jkexec.image.initramfs.BusyboxInitramfs;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds the busybox test guest's initramfs for a kernel: busybox, {@link GuestInit}'s script,
 * and — when they sit beside the kernel, as in the test data — that kernel's pvpanic modules
 * (named {@code 1-pvpanic.ko}, {@code 2-pvpanic-pci.ko} so they load in dependency order).
 */
public final class GuestImages {
    private GuestImages() {
    }

    /** The gzip-compressed initramfs. */
    public static byte[] busyboxInitrd(Path busybox, Path kernel) {
        return busyboxBuilder(busybox, kernel).build(true);
    }

    /** The gzip-compressed initramfs with {@code extra} files (guest path → host file), executables kept executable. */
    public static byte[] busyboxInitrd(Path busybox, Path kernel, java.util.Map<String, Path> extra) {
        BusyboxInitramfs.Builder b = busyboxBuilder(busybox, kernel);
        extra.forEach((guest, host) -> b.file(guest, Files.isExecutable(host) || guest.startsWith("/bin/") ? 0755 : 0644, host));
        return b.build(true);
    }

    /** The guest's archive so far, for guests that add files ({@link Dom0Guest}). */
    public static BusyboxInitramfs.Builder busyboxBuilder(Path busybox, Path kernel) {
        if (!Files.isRegularFile(busybox)) {
            throw new JkexecException("busybox not found at " + busybox);
        }
        BusyboxInitramfs.Builder b = BusyboxInitramfs.builder(busybox).init(GuestInit.script());
        Path dir = kernel.toAbsolutePath().getParent();
        Path core = dir == null ? null : dir.resolve("pvpanic.ko");
        Path pci = dir == null ? null : dir.resolve("pvpanic-pci.ko");
        if (core != null && Files.isRegularFile(core) && Files.isRegularFile(pci)) {
            b.file("/lib/modules/1-pvpanic.ko", 0644, core);
            b.file("/lib/modules/2-pvpanic-pci.ko", 0644, pci);
        }
        return b;
    }
}
