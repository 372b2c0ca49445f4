package dev.jkexec.machine;

import java.nio.file.Path;
import java.util.Objects;

/** What a kernel gets as its initrd: nothing, a file, or jkexec's busybox test guest built for the kernel. */
public sealed interface Initrd {
    /** No initrd. */
    record None() implements Initrd {
    }

    /** An initrd / initramfs file (a regular file, read once at load). */
    record File(Path path) implements Initrd {
        public File {
            Objects.requireNonNull(path, "path");
        }
    }

    /** jkexec's busybox guest, with the kernel's pvpanic modules ({@link dev.jkexec.machine.guest.GuestImages}). */
    record Busybox() implements Initrd {
    }

    Initrd NONE = new None();
    Initrd BUSYBOX = new Busybox();

    /** A file, or — with none — the busybox guest when {@code busybox}, else nothing: the command line's and the old API's rule. */
    static Initrd of(Path file, boolean busybox) {
        return file != null ? new File(file) : busybox ? BUSYBOX : NONE;
    }
}
