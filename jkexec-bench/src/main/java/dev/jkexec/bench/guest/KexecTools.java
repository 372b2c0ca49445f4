package dev.jkexec.bench.guest;

import dev.jkexec.machine.guest.DebianDumpTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Debian's kexec-tools for the guest, as {@code setup.sh} gets it: {@code apt-get download} of
 * {@code kexec-tools} and the Xen libraries its {@code /sbin/kexec} links against, unpacked with
 * {@code dpkg-deb -x} under a work directory. Nothing is installed on the host. Idempotent: a work
 * directory that already holds the unpacked binary is used as it is.
 */
public final class KexecTools {
    /** Debian 12's /sbin/kexec needs libxenctrl.so.4.17 (libxenmisc4.17) and its friends. */
    public static final List<String> PACKAGES = List.of("kexec-tools", "libxenmisc4.17", "libxencall1",
            "libxendevicemodel1", "libxenevtchn1", "libxenforeignmemory1", "libxengnttab1", "libxenhypfs1",
            "libxenstore4", "libxentoolcore1", "libxentoollog1");

    private final Path dir;

    private KexecTools(Path dir) {
        this.dir = dir;
    }

    /** Downloads and unpacks into {@code dir} unless it was done before. */
    public static KexecTools prepare(Path dir) {
        KexecTools k = new KexecTools(dir);
        if (Files.isRegularFile(k.kexec()) && Files.isDirectory(k.xenLibs())) {
            return k;
        }
        try {
            Path debs = Files.createDirectories(dir.resolve("debs"));
            List<String> cmd = new ArrayList<>(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "download"));
            cmd.addAll(PACKAGES);
            DebianDumpTools.run(cmd, debs, Map.of());
            Path kt = dir.resolve("kt");
            Path xen = dir.resolve("xen");
            for (Path p : List.of(kt, xen)) {
                deleteTree(p);
                Files.createDirectories(p);
            }
            try (Stream<Path> s = Files.list(debs)) {
                for (Path deb : s.filter(p -> p.toString().endsWith(".deb")).sorted().toList()) {
                    String name = deb.getFileName().toString();
                    DebianDumpTools.run(List.of("dpkg-deb", "-x", deb.toString(), (name.startsWith("kexec-tools") ? kt : xen).toString()), dir, Map.of());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("preparing kexec-tools in " + dir, e);
        }
        if (!Files.isRegularFile(k.kexec())) {
            throw new IllegalStateException("kexec-tools unpacked, but no " + k.kexec());
        }
        return k;
    }

    public Path kexec() {
        return dir.resolve("kt/sbin/kexec");
    }

    public Path xenLibs() {
        return dir.resolve("xen/usr/lib/x86_64-linux-gnu");
    }

    /** The libraries {@code ldd} resolves for /sbin/kexec (with the unpacked Xen libraries on the path). */
    public List<Path> libraries() {
        String out = DebianDumpTools.run(List.of("ldd", kexec().toString()), dir, Map.of("LD_LIBRARY_PATH", xenLibs().toString()));
        return LddOutput.libraries(out);
    }

    /** {@code kexec --version} run on the host with the unpacked libraries. */
    public String version() {
        return DebianDumpTools.run(List.of(kexec().toString(), "--version"), dir, Map.of("LD_LIBRARY_PATH", xenLibs().toString())).strip();
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
