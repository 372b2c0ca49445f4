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
 */
public record KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type) {
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
        return new KernelSpec(kernel, initrd, busybox, append, entry, t);
    }

    public KernelSpec withEntry(int bits) {
        return new KernelSpec(kernel, initrd, busybox, append, bits, type);
    }

    public KernelSpec withAppend(String a) {
        return new KernelSpec(kernel, initrd, busybox, a, entry, type);
    }
}
