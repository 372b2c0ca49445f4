package dev.jkexec.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How many bytes may still be written to the file system holding a directory. A seam: tests
 * inject a small budget instead of filling the real {@code /dev/shm}.
 */
@FunctionalInterface
public interface UsableSpace {
    long usableBytes(Path directory) throws IOException;

    /** The file system's own answer ({@code statvfs} through {@link java.nio.file.FileStore}). */
    static UsableSpace fileSystem() {
        return directory -> Files.getFileStore(directory).getUsableSpace();
    }
}
