package dev.jkexec.bench.guest;

import dev.jkexec.image.initramfs.BusyboxInitramfs;
import dev.jkexec.image.initramfs.Initramfs;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The benchmark initramfs, a port of {@code build-initramfs.sh} on jkexec's own builder.
 *
 * <ul>
 *   <li><b>A</b> (gzip): busybox, {@code /sbin/kexec} and the libraries {@code ldd} resolves, the
 *       bzImage as {@value BenchInit#KERNEL}, the pvpanic modules (loaded only in
 *       {@code jkcrash} mode) and {@link BenchInit}'s {@code /init};</li>
 *   <li><b>A+B</b>: A zero-padded to 512 bytes, then an uncompressed cpio holding
 *       {@value BenchInit#NEXT_INITRD} = A. A first kernel that boots A+B can hand A to
 *       {@code kexec} as the next kernel's initrd; the kernel skips the NULs between archives.</li>
 *   <li><b>A+B+ELF</b>: A+B, padded, then an uncompressed cpio holding the same kernel's ELF
 *       vmlinux as {@value BenchInit#VMLINUX}, for kexec-tools' ELF forms. The next kernel's initrd
 *       is still A, the same for every form.</li>
 * </ul>
 */
public final class BenchInitramfs {
    /** Where the two archives were written. */
    public record Archives(Path a, Path ab, Path abElf) {
    }

    private BenchInitramfs() {
    }

    /** Archive A. */
    public static byte[] buildA(Path busybox, Path kexec, List<Path> libraries, Path bzImage, List<Path> modules) {
        BusyboxInitramfs.Builder b = BusyboxInitramfs.builder(busybox).init(BenchInit.script());
        b.file("/sbin/kexec", 0755, kexec);
        for (Path lib : libraries) {
            b.file(LddOutput.guestPath(lib), 0755, lib);
        }
        b.file(BenchInit.KERNEL, 0644, bzImage);
        int i = 1;
        for (Path ko : modules) {
            b.file("/lib/modules/" + (i++) + "-" + ko.getFileName(), 0644, ko);
        }
        return b.build(true);
    }

    /** A+B from A. */
    public static byte[] withNextInitrd(byte[] a) {
        byte[] b = Initramfs.create().file(BenchInit.NEXT_INITRD, 0644, a).build(false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(new byte[padding(a.length)]);
        out.writeBytes(b);
        return out.toByteArray();
    }

    /** {@code archive} followed by a cpio holding {@code path} = {@code file}. */
    public static byte[] withFile(byte[] archive, String path, Path file) {
        byte[] b = Initramfs.create().file(path, 0644, file).build(false);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(archive);
        out.writeBytes(new byte[padding(archive.length)]);
        out.writeBytes(b);
        return out.toByteArray();
    }

    /** Zero bytes that bring {@code length} to a multiple of 512. */
    static int padding(int length) {
        return (512 - length % 512) % 512;
    }

    /** Writes A, A+B and A+B+ELF ({@code vmlinux} as {@value BenchInit#VMLINUX}) into {@code dir}. */
    public static Archives write(Path dir, byte[] a, Path vmlinux) {
        try {
            Path pa = Files.write(dir.resolve("initrd-a.cpio.gz"), a);
            byte[] ab = withNextInitrd(a);
            Path pab = Files.write(dir.resolve("initrd-ab.cpio.gz"), ab);
            Path pabElf = Files.write(dir.resolve("initrd-ab-elf.cpio"), withFile(ab, BenchInit.VMLINUX, vmlinux));
            return new Archives(pa, pab, pabElf);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
