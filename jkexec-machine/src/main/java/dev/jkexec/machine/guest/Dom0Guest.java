package dev.jkexec.machine.guest;

import dev.jkexec.platform.JkexecException;
import dev.jkexec.image.initramfs.BusyboxInitramfs;
import dev.jkexec.image.initramfs.Initramfs;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A busybox guest that is a dom0 for jkexec's hypercall: {@link GuestImages}' guest plus
 * Debian's unmodified {@code /sbin/kexec} and libxenctrl 4.17, the C shim (jkexec's
 * {@code libxencall.so.1}, {@code libxenforeignmemory.so.1}, {@code libxendevicemodel.so.1},
 * the PV detection preloaded through {@code /etc/ld.so.preload}) and {@code jkhc}, as listed in
 * the manifest the {@code jkexec-dom0} build writes; and a kernel as {@value #KERNEL}.
 *
 * <p>{@link #initrd} is archive A. {@link #withNextInitrd} appends an uncompressed archive holding
 * A as {@value #NEXT_INITRD}, so a first kernel that boots A+B hands A to {@code kexec} as the next
 * kernel's (or the crash kernel's) initrd; the kernel skips the NULs between the two archives.
 *
 * <p>The manifest is the system property {@code jkexec.dom0.manifest}, else
 * {@code jkexec-dom0/target/dom0/manifest} under {@code jkexec.root} (the checkout).
 */
public final class Dom0Guest {
    public static final String KERNEL = "/boot/vmlinuz";
    public static final String NEXT_INITRD = "/boot/initrd";

    /** One file the guest gets. */
    public record Entry(String guestPath, Path hostPath, int mode) {
    }

    private Dom0Guest() {
    }

    /** The manifest file (it exists once {@code jkexec-dom0} was built). */
    public static Path manifest() {
        String explicit = System.getProperty("jkexec.dom0.manifest");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String root = System.getProperty("jkexec.root");
        Path base = root == null || root.isBlank() ? Path.of("").toAbsolutePath() : Path.of(root);
        return base.resolve("jkexec-dom0/target/dom0/manifest");
    }

    /** The manifest's entries. */
    public static List<Entry> entries() {
        Path m = manifest();
        if (!Files.isRegularFile(m)) {
            throw new JkexecException("dom0 files not built: " + m + " is missing (build jkexec-dom0: mvn -pl jkexec-dom0 generate-resources)");
        }
        List<Entry> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(m)) {
                String[] f = line.strip().split("\\s+");
                if (f.length != 3) {
                    continue;
                }
                Path host = Path.of(f[1]);
                if (!Files.isRegularFile(host)) {
                    throw new JkexecException("dom0 file " + host + " (for " + f[0] + ") is missing: rebuild jkexec-dom0");
                }
                out.add(new Entry(f[0], host, Integer.parseInt(f[2], 8)));
            }
        } catch (IOException e) {
            throw new JkexecException("reading " + m + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Archive A: the busybox guest, the dom0 files and {@code kernel} as {@value #KERNEL}. */
    public static byte[] initrd(Path busybox, Path kernel) {
        BusyboxInitramfs.Builder b = GuestImages.busyboxBuilder(busybox, kernel);
        for (Entry e : entries()) {
            b.file(e.guestPath(), e.mode(), e.hostPath());
        }
        b.file(KERNEL, 0644, kernel);
        return b.build(true);
    }

    /** A+B: {@code a} zero-padded to 512 bytes, then an uncompressed archive holding {@value #NEXT_INITRD} = a. */
    public static byte[] withNextInitrd(byte[] a) {
        byte[] b = Initramfs.create().dir("/boot").file(NEXT_INITRD, 0644, a).build(false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(new byte[(512 - a.length % 512) % 512]);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
