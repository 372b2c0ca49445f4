package dev.jkexec.bench.guest;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The shared libraries in {@code ldd}'s output, as {@code build-initramfs.sh} picks them: the
 * target of every {@code name => /path (0x...)} line and the dynamic loader's own line
 * ({@code /lib64/ld-linux-x86-64.so.2 (0x...)}); {@code linux-vdso.so.1} and other lines without
 * a path are skipped.
 */
public final class LddOutput {
    private LddOutput() {
    }

    /**
     * @throws IllegalArgumentException when a library is "not found": the binary could not run in the guest
     */
    public static List<Path> libraries(String output) {
        List<Path> libs = new ArrayList<>();
        for (String raw : output.split("\n")) {
            String line = raw.strip();
            if (line.contains("not found")) {
                throw new IllegalArgumentException("ldd: " + line);
            }
            int arrow = line.indexOf("=> ");
            if (arrow >= 0) {
                String rest = line.substring(arrow + 3).strip();
                if (rest.startsWith("/")) {
                    libs.add(Path.of(rest.split("\\s+")[0]));
                }
            } else if (line.startsWith("/")) {
                libs.add(Path.of(line.split("\\s+")[0]));
            }
        }
        return libs;
    }

    /** Where a library goes in the guest: the loader keeps its {@code /lib64} path, the rest go to {@code /lib/x86_64-linux-gnu}. */
    public static String guestPath(Path hostLibrary) {
        String s = hostLibrary.toString();
        return s.startsWith("/lib64/") ? s : "/lib/x86_64-linux-gnu/" + hostLibrary.getFileName();
    }
}
