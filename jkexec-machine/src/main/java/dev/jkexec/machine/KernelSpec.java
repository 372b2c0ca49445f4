package dev.jkexec.machine;

import dev.jkexec.image.ImageType;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What a user asks jkexec to load: a kernel file (bzImage or ELF vmlinux), its initrd, command line
 * and entry mode, for a type of slot.
 *
 * @param kernel  the kernel file
 * @param initrd  an initrd file, or {@code null}
 * @param busybox build jkexec's busybox test guest as the initrd (ignored when {@code initrd} is set)
 * @param append  the kernel command line
 * @param entry   64 (long mode) or 32 (protected mode, paging off)
 * @param type    default or crash
 * @param decompress decompress a bzImage on the host now and load its vmlinux (64-bit entry):
 *                the kernel's own decompressor never runs, so the kernel starts seconds sooner
 *                under emulation; no KASLR
 */
public record KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type,
                         boolean decompress) {
    /** A spec that loads the kernel file as it is. */
    public KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type) {
        this(kernel, initrd, busybox, append, entry, type, false);
    }

    public KernelSpec {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(type, "type");
        append = append == null ? "" : append;
        if (entry != 64 && entry != 32) {
            throw new IllegalArgumentException("entry must be 64 or 32, not " + entry);
        }
    }

    /** A default image of {@code kernel} with the busybox guest, 64-bit entry. */
    public static KernelSpec busybox(Path kernel, String append) {
        return new KernelSpec(kernel, null, true, append, 64, ImageType.DEFAULT);
    }

    public KernelSpec withType(ImageType t) {
        return new KernelSpec(kernel, initrd, busybox, append, entry, t, decompress);
    }

    public KernelSpec withEntry(int bits) {
        return new KernelSpec(kernel, initrd, busybox, append, bits, type, decompress);
    }

    public KernelSpec withAppend(String a) {
        return new KernelSpec(kernel, initrd, busybox, a, entry, type, decompress);
    }

    public KernelSpec withDecompress(boolean d) {
        return new KernelSpec(kernel, initrd, busybox, append, entry, type, d);
    }

}
