package dev.jkexec.qemu;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.Paging;
import dev.jkexec.qemu.common.MachineException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The machine's RAM: one sparse file that QEMU maps as its {@code memory-backend-file}
 * ({@code share=on}) and jkexec maps as one {@link MemorySegment}. File offset = guest-physical
 * address below {@code lowTop}; when QEMU splits RAM around the PCI hole ({@code max-ram-below-4g}),
 * offsets from {@code lowTop} are the RAM from 4 GiB ({@link PhysicalMemory#split}), as QEMU's
 * {@code pc_memory_init} maps the two aliases of its one RAM block. The physical memory reports the
 * file's zero pages ({@link ZeroPageRuns}, read through a kept channel) so that nothing touches
 * through the mapping pages the guest never wrote.
 *
 * <p>Creation checks the file system's usable space against the full size first and fails with a
 * {@link RamSpaceException} if it is short: the file is sparse, but the guest may touch every page,
 * and a tmpfs that cannot supply a page answers with SIGBUS. The check is made once; other users of
 * the same tmpfs can still take space later.
 *
 * <p>The file's length is set with {@code ftruncate} before mapping, so the mapping never extends it
 * (extending through {@link FileChannel#map} would allocate every page).
 *
 * <p>Ownership: the mapping belongs to a shared {@link Arena} that {@link #close()} closes; after
 * that every access through {@link #memory()} fails with {@link IllegalStateException}. The file
 * may be {@linkplain #unlink() unlinked} as soon as QEMU has opened it: both mappings stay valid, and
 * the pages are freed by the kernel once both are gone, even if jkexec is killed.
 */
public final class GuestRam implements AutoCloseable {
    private final Path file;
    private final long size;
    private final Arena arena;
    private final MemorySegment segment;
    private final long lowTop;
    private final FileChannel channel;
    /** Made at the first {@link #memory()}: its first use initialises classes (2-30 ms seen) that QEMU's start does not need. */
    private volatile PhysicalMemory memory;

    private GuestRam(Path file, long size, long lowTop, Arena arena, MemorySegment segment, FileChannel channel) {
        this.file = file;
        this.size = size;
        this.lowTop = lowTop;
        this.arena = arena;
        this.segment = segment;
        this.channel = channel;
    }

    /** Bytes handed to one positional write: a direct scratch buffer this size carries heap memory. */
    private static final int WRITE_CHUNK = 1 << 20;

    /**
     * {@code pwrite}s {@code source} at {@code offset} of the RAM file (the large first writes of a
     * machine, {@link PhysicalMemory#writeFresh}): tmpfs allocates each page whole, with no fault and
     * no clearing, and QEMU's mapping and ours see the bytes at once (one page cache). Native and
     * mapped memory is written as it is; heap memory through a 1 MiB direct buffer, chunk by chunk.
     */
    private static void writeThrough(FileChannel channel, long offset, MemorySegment source) throws IOException {
        try (Arena scratchArena = Arena.ofConfined()) {
            MemorySegment scratch = null;
            for (long at = 0; at < source.byteSize(); at += WRITE_CHUNK) {
                MemorySegment chunk = source.asSlice(at, Math.min(WRITE_CHUNK, source.byteSize() - at));
                java.nio.ByteBuffer b;
                if (chunk.isNative() || chunk.isMapped()) {
                    b = chunk.asByteBuffer();
                } else {
                    if (scratch == null) {
                        scratch = scratchArena.allocate(WRITE_CHUNK);
                    }
                    MemorySegment.copy(chunk, 0, scratch, 0, chunk.byteSize());
                    b = scratch.asSlice(0, chunk.byteSize()).asByteBuffer();
                }
                while (b.hasRemaining()) {
                    channel.write(b, offset + at + b.position());
                }
            }
        }
    }

    /** {@link #create(Path, String, long, long, UsableSpace)} with all RAM below 4 GiB. */
    public static GuestRam create(Path directory, String name, long size, UsableSpace space) {
        return create(directory, name, size, size, space);
    }

    /**
     * Creates {@code directory/name} (which must not exist) as a sparse file of {@code size} bytes and
     * maps it.
     *
     * @throws RamSpaceException if {@code space} reports less than {@code size} bytes usable
     */
    public static GuestRam create(Path directory, String name, long size, long lowTop, UsableSpace space) {
        if (lowTop <= 0 || lowTop > size) {
            throw new IllegalArgumentException("RAM below 4 GiB " + lowTop + " outside 1.." + size);
        }
        if (size <= 0 || size % Paging.PAGE_SIZE != 0) {
            throw new IllegalArgumentException("RAM size " + size + " is not a positive multiple of 4096");
        }
        long usable;
        try {
            usable = space.usableBytes(directory);
        } catch (IOException e) {
            throw new MachineException("cannot tell how much space is free in " + directory + ": " + e.getMessage(), e);
        }
        if (usable < size) {
            throw new RamSpaceException(directory, usable, size);
        }
        Path file = directory.resolve(name);
        Arena arena = Arena.ofShared();
        boolean created = false;
        boolean done = false;
        try {
            Files.createFile(file);
            created = true;
            RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
            try {
                raf.setLength(size);
                MemorySegment segment = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
                GuestRam ram = new GuestRam(file, size, lowTop, arena, segment, raf.getChannel()); // keeps raf's channel
                done = true;
                return ram;
            } finally {
                if (!done) {
                    raf.close();
                }
            }
        } catch (IOException e) {
            throw new MachineException("cannot create guest RAM file " + file + ": "
                    + (e instanceof FileAlreadyExistsException ? "it already exists" : e.getMessage()), e);
        } finally {
            if (!done) {
                arena.close();
                if (created) {
                    deleteQuietly(file); // Only ours: an existing file of the same name is left alone.
                }
            }
        }
    }

    /** The backing file (for QEMU's {@code mem-path}); gone after {@link #unlink()}. */
    public Path file() {
        return file;
    }

    public long size() {
        return size;
    }

    /** The mapping; offset = guest-physical address below 4 GiB (see the class comment above it). */
    public MemorySegment segment() {
        return segment;
    }

    /** The mapping as the core's physical memory. */
    public PhysicalMemory memory() {
        PhysicalMemory m = memory;
        if (m == null) {
            synchronized (this) {
                m = memory;
                if (m == null) {
                    memory = m = PhysicalMemory.split(segment, lowTop, 1L << 32).withDataRuns(new ZeroPageRuns(channel))
                            .withFileWrites((offset, source) -> writeThrough(channel, offset, source));
                }
            }
        }
        return m;
    }

    /** Removes the file name; the mappings (ours and QEMU's) stay valid. Idempotent. */
    public void unlink() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new MachineException("cannot delete guest RAM file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Unmaps the memory and deletes the file if it still has a name. Idempotent. */
    @Override
    public synchronized void close() {
        try {
            try {
                channel.close();
            } catch (IOException _) {
                // The descriptor is gone either way.
            }
            if (arena.scope().isAlive()) {
                arena.close();
            }
        } finally {
            deleteQuietly(file);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException _) {
            // The work directory's own cleanup deletes it later.
        }
    }
}
