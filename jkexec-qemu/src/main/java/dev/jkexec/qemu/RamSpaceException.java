package dev.jkexec.qemu;

import dev.jkexec.qemu.common.MachineException;
import java.nio.file.Path;

/**
 * The file system meant to hold guest RAM (a tmpfs such as {@code /dev/shm}) has less room than
 * the machine's RAM. Raised before the file is created: finding out later would be a SIGBUS when
 * the guest or jkexec first touches a page the file system cannot supply.
 */
public final class RamSpaceException extends MachineException {
    private final Path directory;
    private final long usable;
    private final long needed;

    public RamSpaceException(Path directory, long usable, long needed) {
        super("not enough space for guest RAM in " + directory + ": " + bytes(needed) + " needed, only "
                + bytes(usable) + " free (free some, or put RAM elsewhere with --ram-dir)");
        this.directory = directory;
        this.usable = usable;
        this.needed = needed;
    }

    public Path directory() {
        return directory;
    }

    public long usable() {
        return usable;
    }

    public long needed() {
        return needed;
    }

    static String bytes(long n) {
        return n % (1L << 20) == 0 ? n + " bytes (" + (n >> 20) + " MiB)" : n + " bytes";
    }
}
