package dev.jkexec.machine;

import dev.jkexec.image.ImageType;
import dev.jkexec.image.plan.EntryMode;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a user asks jkexec to load: a kernel file (bzImage, ELF vmlinux or Multiboot kernel, any
 * of them possibly compressed whole), its initrd or boot modules, command line and entry mode,
 * for a type of slot. Every front end (the command line's {@code KernelOptions}, the REST API and
 * scenarios through {@code dev.jkexec.machine.control.RequestReader}) builds one of these; the
 * {@link Toolstack} is the one place that plans it.
 *
 * @param kernel     the kernel file
 * @param initrd     none, a file, or the busybox guest
 * @param append     the kernel command line
 * @param entry      long mode, protected mode (paging off) or real mode at the setup code; a
 *                   Multiboot kernel is always entered as the Multiboot spec says (32-bit)
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
public record KernelSpec(Path kernel, Initrd initrd, String append, EntryMode entry, ImageType type,
                         boolean decompress, List<String> modules, Path modulesDir) {
    /** The module word for "the busybox guest of the kernel module before this one". */
    public static final String BUSYBOX_MODULE = "busybox-initrd";

    public KernelSpec {
        Objects.requireNonNull(kernel, "kernel");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(entry, "entry");
        initrd = initrd == null ? Initrd.NONE : initrd;
        append = append == null ? "" : append;
        modules = modules == null ? List.of() : List.copyOf(modules);
    }

    /** A spec in the command line's words: an initrd file or {@code null}, the busybox flag, the entry in bits. */
    public KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type, boolean decompress,
                      List<String> modules, Path modulesDir) {
        this(kernel, Initrd.of(initrd, busybox), append, EntryMode.ofBits(entry), type, decompress, modules, modulesDir);
    }

    /** A spec that loads the kernel file as it is. */
    public KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type) {
        this(kernel, initrd, busybox, append, entry, type, false);
    }

    /** A spec without boot modules or a modules directory. */
    public KernelSpec(Path kernel, Path initrd, boolean busybox, String append, int entry, ImageType type, boolean decompress) {
        this(kernel, initrd, busybox, append, entry, type, decompress, List.of(), null);
    }

    /** A default image of {@code kernel} with the busybox guest, 64-bit entry. */
    public static KernelSpec busybox(Path kernel, String append) {
        return new KernelSpec(kernel, Initrd.BUSYBOX, append, EntryMode.BIT64, ImageType.DEFAULT, false, List.of(), null);
    }

    public KernelSpec withType(ImageType t) {
        return new KernelSpec(kernel, initrd, append, entry, t, decompress, modules, modulesDir);
    }

    public KernelSpec withEntry(EntryMode e) {
        return new KernelSpec(kernel, initrd, append, e, type, decompress, modules, modulesDir);
    }

    public KernelSpec withEntry(int bits) {
        return withEntry(EntryMode.ofBits(bits));
    }

    public KernelSpec withInitrd(Initrd i) {
        return new KernelSpec(kernel, i, append, entry, type, decompress, modules, modulesDir);
    }

    public KernelSpec withAppend(String a) {
        return new KernelSpec(kernel, initrd, a, entry, type, decompress, modules, modulesDir);
    }

    public KernelSpec withDecompress(boolean d) {
        return new KernelSpec(kernel, initrd, append, entry, type, d, modules, modulesDir);
    }

    public KernelSpec withModules(List<String> m) {
        return new KernelSpec(kernel, initrd, append, entry, type, decompress, m, modulesDir);
    }

    public KernelSpec withModulesDir(Path d) {
        return new KernelSpec(kernel, initrd, append, entry, type, decompress, modules, d);
    }
}
