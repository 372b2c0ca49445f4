package dev.jkexec.qemu;

import dev.jkexec.platform.PhysicalMemory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Which pages of the RAM file hold anything but zeros, found by reading the file with
 * {@code pread} rather than through the shared mapping: tmpfs answers a read of a hole with its
 * zero page and allocates nothing, while a read fault on a hole of a {@code MAP_SHARED} mapping
 * allocates the page. Without this, a VMCOREINFO scan or a dump of a 16 GiB guest would allocate
 * 16 GiB of host memory; with it, scans and dumps touch through the mapping only the pages that hold
 * data, at the cost of reading the rest (zeros) once through the file, 1 MiB at a time, in pure Java
 * (jkexec uses no native access).
 *
 * <p>The last chunk read is kept, so the alternating questions of a scan ({@link #nextData}, then
 * {@link #dataEnd}) read each chunk once. A read error reports everything as data: slower, never
 * wrong. Callers ask while the guest is paused; the channel is owned by {@link GuestRam}.
 */
final class ZeroPageRuns implements PhysicalMemory.DataRuns {
    private static final int PAGE = 4096;
    private static final int CHUNK = 1 << 20;

    private final FileChannel file;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
    private final MemorySegment view = MemorySegment.ofBuffer(chunk);
    private final MemorySegment zeros = MemorySegment.ofArray(new byte[PAGE]);
    private long chunkAt = -1;
    private int chunkBytes;

    ZeroPageRuns(FileChannel file) {
        this.file = file;
    }

    @Override
    public synchronized long nextData(long offset, long end) {
        for (long p = offset; p < end; p = nextPage(p)) {
            int z = zeroPage(p, end);
            if (z != 1) {
                return p; // holds data, or cannot tell
            }
        }
        return end;
    }

    @Override
    public synchronized long dataEnd(long offset, long end) {
        for (long p = offset; p < end; p = nextPage(p)) {
            if (p > offset && zeroPage(p, end) == 1) {
                return p;
            }
        }
        return end;
    }

    private static long nextPage(long p) {
        return (p / PAGE + 1) * PAGE;
    }

    /** 1: the page at {@code p} (clipped to {@code end}) is all zeros; 0: it is not; -1: unknown. */
    private int zeroPage(long p, long end) {
        long page = p / PAGE * PAGE;
        if (chunkAt < 0 || page < chunkAt || page >= chunkAt + chunkBytes) {
            if (!fill(page)) {
                return -1;
            }
        }
        long from = p - chunkAt;
        long to = Math.min(Math.min(nextPage(p), end) - chunkAt, chunkBytes);
        if (to <= from) {
            return -1;
        }
        return MemorySegment.mismatch(view, from, to, zeros, 0, to - from) < 0 ? 1 : 0;
    }

    private boolean fill(long at) {
        try {
            chunk.clear();
            long pos = at;
            while (chunk.hasRemaining()) {
                int n = file.read(chunk, pos);
                if (n < 0) {
                    break;
                }
                pos += n;
            }
            chunkAt = at;
            chunkBytes = chunk.position();
            return chunkBytes > 0;
        } catch (IOException | RuntimeException e) {
            chunkAt = -1;
            return false;
        }
    }
}
