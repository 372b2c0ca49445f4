package dev.jkexec.core.kexec;

import dev.jkexec.platform.PhysicalMemory;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A default image's page list and source pages, staged at load ({@link PageListBuilder}) so that
 * its exec only has to check them, with a host copy of the staging pages the build used.
 *
 * <p>Why a copy: the staging range is reserved in the guest's e820 and never described as
 * holding anything, but it is QEMU RAM, so a rogue guest can write it between the load and the
 * exec. {@link #intact} compares the staging pages with the copy (one bulk compare, with the vCPUs
 * stopped) before the list is handed over; the held image's own digest is checked by the exec as
 * before. Anything changed — list entries, source pages, the pages in between — and the exec
 * stages the image again from its held bytes, so a scribble costs the old staging time, never a
 * wrong kernel.
 *
 * <p>Owned by {@link Kexec} under its lock; closed when the image is replaced or unloaded.
 */
final class StagedAhead implements AutoCloseable {
    private final HeldImage image;
    private final PageList list;
    private final long from;
    private final Arena arena;
    private final MemorySegment copy;

    private StagedAhead(HeldImage image, PageList list, long from, Arena arena, MemorySegment copy) {
        this.image = image;
        this.list = list;
        this.from = from;
        this.arena = arena;
        this.copy = copy;
    }

    /** Builds {@code image}'s list into {@code staging} and copies the pages it used (-ENOMEM: staging too small). */
    static StagedAhead build(PhysicalMemory memory, PhysicalRange staging, HeldImage image) {
        PageList list = PageListBuilder.build(memory, staging, image.image().segments(), image::buffer);
        long from = StagingAllocator.firstPage(staging);
        long bytes = list.stagingPages() * KexecConfig.PAGE_SIZE;
        Arena arena = Arena.ofShared();
        try {
            MemorySegment copy = arena.allocate(Math.max(bytes, 1), KexecConfig.PAGE_SIZE).asSlice(0, bytes);
            MemorySegment.copy(memory.slice(from, bytes), 0, copy, 0, bytes);
            return new StagedAhead(image, list, from, arena, copy);
        } catch (RuntimeException | OutOfMemoryError e) {
            arena.close();
            throw e;
        }
    }

    boolean isOf(HeldImage held) {
        return image == held;
    }

    /** Whether the staging pages still hold exactly what the build wrote (the guest stopped). */
    boolean intact(PhysicalMemory memory) {
        return memory.slice(from, copy.byteSize()).mismatch(copy) == -1;
    }

    PageList list() {
        return list;
    }

    @Override
    public void close() {
        arena.close();
    }
}
