package dev.jkexec.machine.guest;

import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.bzimage.XLoadFlag;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.initramfs.BusyboxInitramfs;
import dev.jkexec.image.plan.KernelFile;
import dev.jkexec.image.plan.KernelFormat;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Builds the busybox test guest's initramfs for a kernel: a busybox of the kernel's architecture
 * (x86-64, or i386 for a 32-bit kernel), {@link GuestInit}'s script, and that kernel's pvpanic
 * modules when {@link KernelModules} finds them — {@code .ko}, {@code .ko.xz} or {@code .ko.zst},
 * beside the kernel, in its package's {@code lib/modules/R} tree, or in a directory the user names
 * — as {@code 1-pvpanic.ko} and {@code 2-pvpanic-pci.ko}, so they load in dependency order.
 *
 * <p>Without them a guest panic cannot signal jkexec through pvpanic; the image says so in its
 * {@link GuestImage#warning()}, and the machine still catches the panic from the console.
 */
public final class GuestImages {
    /** The message a guest without pvpanic gets at boot. */
    public static final String NO_PVPANIC = "panics will not reach jkexec: no pvpanic module";

    private GuestImages() {
    }

    /**
     * A busybox guest's initramfs.
     *
     * @param initrd  the gzip-compressed initramfs
     * @param modules the modules it loads at boot, with where each came from
     * @param warning what a user must know about it (no pvpanic), or {@code null}
     */
    public record GuestImage(byte[] initrd, List<KernelModules.Module> modules, String warning) {
    }

    /** The guest for {@code kernel}; {@code modulesDir} may name where its modules are (or be {@code null}). */
    public static GuestImage busyboxGuest(Path kernel, Path modulesDir) {
        KernelFacts facts = KernelFacts.of(kernel);
        Path busybox = facts.is32Bit() ? GuestAssets.busyboxI386().orElseThrow(() -> new JkexecException(
                "a 32-bit kernel needs an i386 busybox for its guest: " + GuestAssets.fetchHint(GuestAssets.BUSYBOX_I386)))
                : GuestAssets.busybox();
        Assembled a = assemble(busybox, kernel, facts, modulesDir);
        return new GuestImage(a.archive().build(true), a.modules(), a.warning());
    }

    /** The gzip-compressed initramfs with {@code busybox}, modules beside the kernel or in its package tree. */
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
        return assemble(busybox, kernel, KernelFacts.of(kernel), null).archive();
    }

    private record Assembled(BusyboxInitramfs.Builder archive, List<KernelModules.Module> modules, String warning) {
    }

    private static Assembled assemble(Path busybox, Path kernel, KernelFacts facts, Path modulesDir) {
        if (!Files.isRegularFile(busybox)) {
            throw new JkexecException("busybox not found at " + busybox);
        }
        BusyboxInitramfs.Builder b = BusyboxInitramfs.builder(busybox).init(GuestInit.script());
        KernelModules where = KernelModules.forKernel(kernel, facts.release(), modulesDir);
        List<KernelModules.Module> loaded = new ArrayList<>();
        Optional<KernelModules.Module> core = where.find("pvpanic");
        Optional<KernelModules.Module> pci = where.find("pvpanic-pci");
        String warning = null;
        if (core.isPresent() && pci.isPresent()) {
            b.file("/lib/modules/1-pvpanic.ko", 0644, core.get().elf());
            b.file("/lib/modules/2-pvpanic-pci.ko", 0644, pci.get().elf());
            loaded.add(core.get());
            loaded.add(pci.get());
        } else {
            warning = NO_PVPANIC + " for " + (facts.release() == null ? kernel.getFileName() : facts.release())
                    + " (looked for pvpanic.ko[.xz|.zst|.gz] and pvpanic-pci.ko[...] in " + where.places()
                    + "; give --modules-dir DIR); jkexec watches the console for 'Kernel panic -' instead";
        }
        return new Assembled(b, loaded, warning);
    }

    /** What the guest depends on: the kernel's release and whether it is a 32-bit kernel. */
    record KernelFacts(String release, boolean is32Bit) {
        static KernelFacts of(Path kernel) {
            MemorySegment file = MemorySegment.ofArray(new dev.jkexec.platform.InputFile("kernel", kernel)
                    .read(dev.jkexec.machine.layout.MachineLayout.MAX_LOW_RAM, "the largest guest RAM"));
            MemorySegment k = KernelFile.open(file).contents();
            String name = kernel.getFileName().toString();
            String fromName = name.startsWith("vmlinuz-") ? name.substring("vmlinuz-".length())
                    : name.startsWith("vmlinux-") ? name.substring("vmlinux-".length()) : null;
            return switch (KernelFormat.detect(k)) {
                case BZIMAGE -> {
                    BzImage img = BzImage.parse(k);
                    String v = img.kernelVersion();
                    String release = v == null || v.isBlank() ? fromName : v.split(" ", 2)[0];
                    yield new KernelFacts(release, !XLoadFlag.XLF_KERNEL_64.in(img.header().xloadFlags()));
                }
                case ELF -> new KernelFacts(fromName, !ElfParser.parse(k).is64());
                default -> new KernelFacts(fromName, false);
            };
        }
    }
}
