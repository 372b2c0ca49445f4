package dev.jkexec.qemu.process;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The few facts about the host that {@link Accel} needs, as a seam so the decision is tested
 * against invented hosts rather than this machine's {@code /sys}.
 */
public interface HostView {
    boolean exists(Path path);

    /** Whether this process can open {@code path} for reading and writing right now. */
    boolean canOpenReadWrite(Path path);

    /** The real host. Opening is the only honest test: permissions, cgroups and SELinux all apply. */
    static HostView real() {
        return new HostView() {
            @Override
            public boolean exists(Path path) {
                return Files.exists(path);
            }

            @Override
            public boolean canOpenReadWrite(Path path) {
                try (FileChannel _ = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    return true;
                } catch (IOException | UnsupportedOperationException | SecurityException _) {
                    return false;
                }
            }
        };
    }
}
