package dev.jkexec.machine.guest;

import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's kdump tools, unmodified: {@code vmcore-dmesg} (from kexec-tools) and
 * {@code makedumpfile}, with the libraries they link against, fetched with {@code apt-get download}
 * and unpacked with {@code dpkg-deb -x} into a cache directory ({@code ~/.cache/jkexec/dump-tools}
 * unless {@code JKEXEC_CACHE} says otherwise). Nothing is installed on the host. They run on the
 * host from there ({@link #hostCommand}) and go into a busybox crash kernel's initramfs
 * ({@link #guestFiles}). Idempotent: an unpacked cache is used as it is.
 */
public final class DebianDumpTools {
    /** The packages: the tools and every library makedumpfile and vmcore-dmesg need on Debian 12. */
    public static final List<String> PACKAGES = List.of("kexec-tools", "makedumpfile", "libdw1", "libelf1", "liblzo2-2",
            "zlib1g", "liblzma5", "libbz2-1.0", "libzstd1");

    private final Path root;

    private DebianDumpTools(Path root) {
        this.root = root;
    }

    /** The default cache directory. */
    public static Path defaultCache() {
        String env = System.getenv("JKEXEC_CACHE");
        Path base = env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "jkexec");
        return base.resolve("dump-tools");
    }

    /** Downloads and unpacks into {@code dir} unless that was done before. */
    public static DebianDumpTools prepare(Path dir) {
        DebianDumpTools t = new DebianDumpTools(dir);
        Path done = dir.resolve(".unpacked");
        if (Files.isRegularFile(done) && Files.isRegularFile(t.vmcoreDmesg()) && Files.isRegularFile(t.makedumpfile())) {
            return t;
        }
        try {
            Path debs = Files.createDirectories(dir.resolve("debs"));
            Path x = dir.resolve("root");
            List<String> cmd = new ArrayList<>(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "download"));
            cmd.addAll(PACKAGES);
            try {
                run(cmd, debs, Map.of());
            } catch (JkexecException e) {
                // a machine whose package lists were never fetched: fetch them once, then retry
                run(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "update", "-qq"), debs, Map.of());
                run(cmd, debs, Map.of());
            }
            Files.createDirectories(x);
            try (Stream<Path> s = Files.list(debs)) {
                for (Path deb : s.filter(p -> p.toString().endsWith(".deb")).sorted().toList()) {
                    run(List.of("dpkg-deb", "-x", deb.toString(), x.toString()), dir, Map.of());
                }
            }
            Files.writeString(done, String.join("\n", PACKAGES) + "\n");
        } catch (IOException e) {
            throw new JkexecException("preparing Debian's kdump tools in " + dir + ": " + e.getMessage(), e);
        }
        if (!Files.isRegularFile(t.vmcoreDmesg()) || !Files.isRegularFile(t.makedumpfile())) {
            throw new JkexecException("kdump tools unpacked in " + dir + ", but " + t.vmcoreDmesg() + " or " + t.makedumpfile() + " is missing");
        }
        return t;
    }

    public Path vmcoreDmesg() {
        return root.resolve("root/sbin/vmcore-dmesg");
    }

    public Path makedumpfile() {
        return root.resolve("root/usr/bin/makedumpfile");
    }

    private String libraryPath() {
        return root.resolve("root/lib/x86_64-linux-gnu") + ":" + root.resolve("root/usr/lib/x86_64-linux-gnu");
    }

    /** A command line running {@code tool} on the host with the unpacked libraries. */
    public ProcessBuilder hostCommand(Path tool, String... args) {
        List<String> cmd = new ArrayList<>(List.of(tool.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("LD_LIBRARY_PATH", libraryPath());
        return pb;
    }

    /** Guest path → host file: both tools in /bin and every library {@code ldd} resolves for them. */
    public Map<String, Path> guestFiles() {
        Map<String, Path> files = new LinkedHashMap<>();
        for (Path tool : List.of(vmcoreDmesg(), makedumpfile())) {
            files.put("/bin/" + tool.getFileName(), tool);
            String out = run(List.of("ldd", tool.toString()), root, Map.of("LD_LIBRARY_PATH", libraryPath()));
            for (String raw : out.split("\n")) {
                String line = raw.strip();
                if (line.contains("not found")) {
                    throw new JkexecException("ldd " + tool + ": " + line);
                }
                int arrow = line.indexOf("=> ");
                String lib = arrow >= 0 ? line.substring(arrow + 3).strip() : line;
                if (lib.startsWith("/")) {
                    Path p = Path.of(lib.split("\\s+")[0]);
                    files.put(p.toString().startsWith("/lib64/") ? p.toString() : "/lib/x86_64-linux-gnu/" + p.getFileName(), p);
                }
            }
        }
        return files;
    }

    /**
     * Runs {@code cmd} in {@code cwd} with {@code env} added, stderr merged, and returns its output;
     * a non-zero status or more than 10 minutes is a {@link JkexecException} carrying the output.
     * The one helper for the Debian package steps (apt-get download, dpkg-deb -x, ldd) of the
     * project's guest tools, here and in jkexec-bench.
     */
    public static String run(List<String> cmd, Path cwd, Map<String, String> env) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
            pb.environment().putAll(env);
            Process p = pb.start();
            try {
                String out = new String(p.getInputStream().readAllBytes());
                if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                    throw new JkexecException(String.join(" ", cmd) + " failed: " + out.strip());
                }
                return out;
            } finally {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            throw new JkexecException(String.join(" ", cmd) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JkexecException("interrupted: " + String.join(" ", cmd), e);
        }
    }
}
