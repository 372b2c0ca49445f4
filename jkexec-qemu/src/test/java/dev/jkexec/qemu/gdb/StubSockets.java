package dev.jkexec.qemu.gdb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Where the gdb tests' fake stubs listen: one temporary directory per socket, all removed by {@link #clean()}. */
final class StubSockets {
    private final List<Path> dirs = new ArrayList<>();

    /** A socket path in a new temporary directory. */
    Path newSocket(String name) throws IOException {
        Path dir = Files.createTempDirectory("gdbstub-test");
        dirs.add(dir);
        return dir.resolve(name);
    }

    void clean() throws IOException {
        for (Path dir : dirs) {
            try (var s = Files.list(dir)) {
                for (Path p : s.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
        dirs.clear();
    }

    /** A reply framed as QEMU frames it: {@code $data#cs}. */
    static String packet(String data) {
        return new String(GdbPackets.encode(data), StandardCharsets.US_ASCII);
    }
}
