package dev.jkexec.machine.guest;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.bzimage.Compression;
import dev.jkexec.image.bzimage.Decoders;
import dev.jkexec.image.bzimage.SegmentInputStream;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds a kernel's modules the way a user keeps them, and opens them for the busybox guest:
 * {@code NAME.ko}, or compressed as Debian and other distributions ship them —
 * {@code NAME.ko.xz} (Debian 12's 6.12 kernels), {@code NAME.ko.zst}, {@code NAME.ko.gz} —
 * decompressed here on the host, by content, so the guest's busybox {@code insmod} gets plain
 * ELF objects whatever its build supports.
 *
 * <p>Where it looks, in order: the directory given by an option ({@code --modules-dir}),
 * searched to any depth; the kernel's own directory; and, for a kernel unpacked from a package
 * ({@code ROOT/boot/vmlinuz-R}), the package's {@code ROOT/lib/modules/R} tree. The first place
 * holding the module wins. A search visits at most {@link #MAX_FILES} files; a module may be at
 * most {@link #MAX_MODULE} bytes decompressed.
 */
public final class KernelModules {
    static final int MAX_FILES = 200_000;
    static final long MAX_MODULE = 64L << 20;
    private static final List<String> SUFFIXES = List.of(".ko", ".ko.xz", ".ko.zst", ".ko.gz");

    /** A module found and opened: its name ({@code pvpanic}), the file it came from, its ELF bytes. */
    public record Module(String name, Path source, byte[] elf) {
    }

    /** A place to look, and how deep. */
    private record Place(Path dir, int depth) {
    }

    private final List<Place> places;

    private KernelModules(List<Place> places) {
        this.places = List.copyOf(places);
    }

    /**
     * The places to search for {@code kernel}'s modules.
     *
     * @param kernel     the kernel file
     * @param release    the kernel's release ({@code 6.12.117+deb12-amd64}), or {@code null} when unknown
     * @param modulesDir a directory the user named, or {@code null}
     */
    public static KernelModules forKernel(Path kernel, String release, Path modulesDir) {
        List<Place> places = new ArrayList<>();
        if (modulesDir != null) {
            if (!Files.isDirectory(modulesDir)) {
                throw new JkexecException("--modules-dir: " + modulesDir + " is not a directory");
            }
            places.add(new Place(modulesDir, Integer.MAX_VALUE));
        }
        Path dir = kernel.toAbsolutePath().getParent();
        if (dir != null) {
            places.add(new Place(dir, 1)); // beside the kernel: flat, a /boot holds kernels, not module trees
            if (release != null && dir.getFileName() != null && dir.getFileName().toString().equals("boot")
                    && dir.getParent() != null) {
                places.add(new Place(dir.getParent().resolve("lib/modules").resolve(release), Integer.MAX_VALUE));
            }
        }
        return new KernelModules(places);
    }

    /** Where it looks, for messages. */
    public List<Path> places() {
        return places.stream().map(Place::dir).toList();
    }

    /** The module called {@code name}, opened, or empty if no place holds it. */
    public Optional<Module> find(String name) {
        for (Place p : places) {
            Optional<Path> f = search(p.dir(), name, p.depth());
            if (f.isPresent()) {
                return Optional.of(new Module(name, f.get(), open(f.get())));
            }
        }
        return Optional.empty();
    }

    private static Optional<Path> search(Path root, String name, int depth) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.find(root, depth, (f, a) -> a.isRegularFile() && matches(f, name))) {
            return files.limit(MAX_FILES).sorted().findFirst();
        } catch (IOException | java.io.UncheckedIOException e) {
            return Optional.empty();
        }
    }

    private static boolean matches(Path f, String name) {
        String n = f.getFileName().toString();
        return SUFFIXES.stream().anyMatch(s -> n.equals(name + s));
    }

    /** The module's ELF bytes, decompressed by content when it is xz, zstd or gzip. */
    static byte[] open(Path f) {
        byte[] raw = new dev.jkexec.platform.InputFile("module", f).read(MAX_MODULE, "the largest kernel module jkexec takes");
        MemorySegment seg = MemorySegment.ofArray(raw);
        Compression c = Compression.detect(seg);
        if (c != Compression.XZ && c != Compression.ZSTD && c != Compression.GZIP) {
            return raw;
        }
        try (InputStream in = Decoders.open(c, new SegmentInputStream(seg), MAX_MODULE)) {
            byte[] out = in.readNBytes((int) MAX_MODULE);
            if (in.read() != -1) {
                throw new JkexecException("module " + f + ": decompresses to more than " + (MAX_MODULE >> 20) + " MiB");
            }
            return out;
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new JkexecException("module " + f + ": " + Decoders.failure(c, "module." + c.label(), f.toString(), e).getMessage(), e);
        }
    }
}
