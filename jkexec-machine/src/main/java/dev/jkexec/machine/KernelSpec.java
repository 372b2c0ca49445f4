package dev.jkexec.machine;

import dev.jkexec.image.ImageType;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a user asks jkexec to load: a kernel file (bzImage, ELF vmlinux or Multiboot kernel, any
 * of them possibly compressed whole), its initrd or boot modules, command line and entry mode,
 * for a type of slot.
 *
 * @param kernel     the kernel file
 * @param initrd     an initrd file, or {@code null}
 * @param busybox    build jkexec's busybox test guest as the initrd (ignored when {@code initrd} is set)
 * @param append     the kernel command line
 * @param entry      64 (long mode), 32 (protected mode, paging off) or 16 (real mode at the setup code);
 *                   a Multiboot kernel is always entered as the Multiboot spec says (32-bit)
 * @param type       default or crash
 * @param decompress decompress a bzImage on the host now and load its vmlinux (64-bit entry):
 *                   the kernel's own decompressor never runs, so the kernel starts seconds sooner
 *                   under emulation; no KASLR
 * @param modules    Multiboot boot modules, each {@code "FILE ARGS..."} as kexec-tools' {@code --module}
 *                   takes them; {@value #BUSYBOX_MODULE} is the busybox guest built for the module
 *                   before it (the Xen dom0 kernel's initrd)
 * @param modulesDir where the busybox guest finds the kernel's modules (pvpanic), or {@code null}:
 *                   beside the kernel and in its package's {@code lib/modules/R}
 */
public record KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type,
                         boolean decompress, List<String> modules, Path modulesDir) {
    /** The module word for "the busybox guest of the kernel module before this one". */
    public static final String BUSYBOX_MODULE = "busybox-initrd";

    /** A spec that loads the kernel file as it is. */
    public KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type) {
        this(kernel, initrd, busybox, append, entry, type, false);
    }

    /** A spec without boot modules or a modules directory. */
    public KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type, boolean decompress) {
        this(kernel, initrd, busybox, append, entry, type, decompress, List.of(), null);
    }

    public KernelSpec {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(type, "type");
        append = append == null ? "" : append;
        modules = modules == null ? List.of() : List.copyOf(modules);
        if (entry != 64 && entry != 32 && entry != 16) {
            throw new IllegalArgumentException("entry must be 64, 32 or 16, not " + entry);
        }
    }

    /** A default image of {@code kernel} with the busybox guest, 64-bit entry. */
    public static KernelSpec busybox(Path kernel, String append) {
        return new KernelSpec(kernel, null, true, append, 64, ImageType.DEFAULT);
    }

    public KernelSpec withType(ImageType t) {
        return new KernelSpec(kernel, initrd, busybox, append, entry, t, decompress, modules, modulesDir);
    }

    public KernelSpec withEntry(int bits) {
        return new KernelSpec(kernel, initrd, busybox, append, bits, type, decompress, modules, modulesDir);
    }

    public KernelSpec withAppend(String a) {
        return new KernelSpec(kernel, initrd, busybox, a, entry, type, decompress, modules, modulesDir);
    }

    public KernelSpec withDecompress(boolean d) {
        return new KernelSpec(kernel, initrd, busybox, append, entry, type, d, modules, modulesDir);
    }

    public KernelSpec withModules(List<String> m) {
        return new KernelSpec(kernel, initrd, busybox, append, entry, type, decompress, m, modulesDir);
    }

    public KernelSpec withModulesDir(Path d) {
        return new KernelSpec(kernel, initrd, busybox, append, entry, type, decompress, modules, d);
    }

}
