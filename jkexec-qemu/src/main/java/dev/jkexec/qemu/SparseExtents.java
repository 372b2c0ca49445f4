package dev.jkexec.qemu;

import dev.jkexec.platform.PhysicalMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * Which parts of the RAM file hold data, from the file system ({@code lseek} with
 * {@code SEEK_DATA}/{@code SEEK_HOLE}, which tmpfs answers from its page cache and swap): what
 * lets a VMCOREINFO scan or a dump of a 16 GiB guest read only the pages the guest wrote. Reading
 * a hole of a tmpfs file through a shared mapping would allocate it, so a scan that does not ask
 * first costs O(RAM) in time and in host memory.
 *
 * <p>Holds its own read-only descriptor, opened before the file is unlinked; {@link #close()}
 * closes it. A file system that cannot answer ({@code EINVAL}) or any other error reports
 * everything as data: slower, never wrong.
 */
final class SparseExtents implements PhysicalMemory.DataRuns, AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final int ENXIO = 6;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle OPEN;
    private static final MethodHandle LSEEK;
    private static final MethodHandle CLOSE;

    static {
        Linker linker = Linker.nativeLinker();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        OPEN = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT), errno);
        LSEEK = linker.downcallHandle(linker.defaultLookup().find("lseek").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                errno);
        CLOSE = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    }

    private final int fd;
    private final Arena state = Arena.ofShared();
    private final MemorySegment callState = state.allocate(CALL_STATE);
    private volatile boolean closed;

    private SparseExtents(int fd) {
        this.fd = fd;
    }

    /** Opens {@code file}; {@code null} when it cannot be opened (then everything counts as data). */
    static SparseExtents open(Path file) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(st, a.allocateFrom(file.toString()), O_RDONLY | O_CLOEXEC);
            return fd < 0 ? null : new SparseExtents(fd);
        } catch (Throwable e) {
            return null;
        }
    }

    @Override
    public synchronized long nextData(long offset, long end) {
        long at = seek(offset, SEEK_DATA);
        if (at == -ENXIO) {
            return end; // No data at or after offset.
        }
        return at < 0 ? offset : Math.min(Math.max(at, offset), end);
    }

    @Override
    public synchronized long dataEnd(long offset, long end) {
        long at = seek(offset, SEEK_HOLE);
        return at < 0 ? end : Math.min(Math.max(at, offset + 1), end);
    }

    /** lseek's answer, or minus errno. */
    private long seek(long offset, int whence) {
        if (closed) {
            return -1;
        }
        try {
            long r = (long) LSEEK.invokeExact(callState, fd, offset, whence);
            return r >= 0 ? r : -(int) ERRNO.get(callState, 0L);
        } catch (Throwable e) {
            return -1;
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            try {
                int _ = (int) CLOSE.invokeExact(fd);
            } catch (Throwable _) {
                // Nothing to do: the descriptor is gone either way.
            }
            state.close();
        }
    }
}
