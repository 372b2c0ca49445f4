package dev.jkexec.machine.crash;

import dev.jkexec.image.crash.CoreLoads;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.crash.ElfCoreHeader;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.platform.x86.Paging;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * A host-side ELF core of a guest, written from the shared RAM: what jkexec keeps when a crash
 * does not go to a crash kernel, and what {@code jkexec dump --format elf} writes. Readable by
 * {@code readelf}, {@code gdb}, {@code crash}, {@code makedumpfile} and {@code vmcore-dmesg}.
 *
 * <pre>
 *  ELF64 ET_CORE EM_X86_64 header
 *  program headers: one PT_NOTE (every note), then {@link CoreLoads}: the kernel-text PT_LOAD and one
 *                   PT_LOAD per RAM range with its direct-map p_vaddr (p_offset = file offset, page
 *                   aligned; p_align 0 as in /proc/vmcore, which is how crash tells a kdump core
 *                   from a netdump one and applies VMCOREINFO's KERNELOFFSET)
 *  notes: one NT_PRSTATUS per vCPU, then the guest kernel's VMCOREINFO (with CRASHTIME)
 *  RAM contents, range after range; the kernel-text load's p_offset points into them
 * </pre>
 *
 * <p>Sparse: RAM is copied with bulk channel writes straight from the mapping, and every page of
 * zeros is skipped, leaving a hole, so a mostly empty guest costs little disk. The file is written
 * under a temporary name beside its target and moved into place ({@link DumpTarget}).
 */
public final class CoreDump {
    static final long PAGE = Paging.PAGE_SIZE;
    private static final int CHUNK = 1 << 20;

    private CoreDump() {
    }

    /**
     * What was written, in any format.
     *
     * @param bytes    the file's size (ELF: logical, holes included)
     * @param ramBytes guest RAM the dump covers
     * @param summary  one line: format, pages, filtering
     */
    public record Written(java.nio.file.Path file, long bytes, long ramBytes, int cpus, DumpFormat format, String summary) {
    }

    /** The program headers of the core of {@code src}. */
    static List<ProgramHeader> programHeaders(DumpSource src, long notesSize) {
        List<CoreLoads.Load> loads = CoreLoads.of(src.ram(), src.space(), src.context());
        List<ProgramHeader> phdrs = new ArrayList<>();
        long notesOffset = ElfCoreHeader.EHDR_SIZE + (long) ElfCoreHeader.PHDR_SIZE * (1 + loads.size());
        phdrs.add(new ProgramHeader(0, ProgramHeader.PT_NOTE, 0, notesOffset, 0, 0, notesSize, 0, 0));
        long offset = align(notesOffset + notesSize, PAGE);
        List<long[]> ramAt = new ArrayList<>(); // {paddr, size, file offset}
        for (CoreLoads.Load l : loads) {
            if (!l.alias()) {
                ramAt.add(new long[] {l.paddr(), l.size(), offset});
                offset += l.size();
            }
        }
        for (CoreLoads.Load l : loads) {
            if (l.alias()) {
                for (long[] r : ramAt) {
                    if (r[0] <= l.paddr() && l.paddr() + l.size() <= r[0] + r[1]) {
                        phdrs.add(new ProgramHeader(phdrs.size(), ProgramHeader.PT_LOAD, 7, r[2] + l.paddr() - r[0], l.vaddr(),
                                l.paddr(), l.size(), l.size(), 0));
                    }
                }
            }
        }
        int i = 0;
        for (CoreLoads.Load l : loads) {
            if (!l.alias()) {
                long[] r = ramAt.get(i++);
                phdrs.add(new ProgramHeader(phdrs.size(), ProgramHeader.PT_LOAD, 7, r[2], l.vaddr(), l.paddr(), l.size(), l.size(), 0));
            }
        }
        return phdrs;
    }

    /** Writes the core of {@code src} into {@code target} and commits it. */
    public static Written write(DumpTarget target, DumpSource src, DumpProgress progress) {
        for (MemoryRange r : src.ram()) {
            if (!src.memory().contains(r.start(), r.size())) {
                throw new IllegalArgumentException("range " + r + " outside memory");
            }
        }
        byte[] notes = src.notes();
        List<ProgramHeader> phdrs = programHeaders(src, notes.length);
        FileChannel ch = target.channel();
        long end = 0;
        long total = src.ramBytes();
        long done = 0;
        try (Arena arena = Arena.ofConfined()) {
            writeFully(ch, ByteBuffer.wrap(ElfCoreHeader.encode(phdrs)), 0);
            writeFully(ch, ByteBuffer.wrap(notes), phdrs.get(0).offset());
            MemorySegment zeros = arena.allocate(PAGE);
            int firstRam = phdrs.size() - src.ram().size(); // text and context loads come before, sharing RAM's bytes
            for (ProgramHeader ph : phdrs) {
                if (!ph.isLoad()) {
                    continue;
                }
                end = Math.max(end, ph.offset() + ph.filesz());
                if (ph.index() < firstRam) {
                    continue;
                }
                // Only the RAM file's data runs are read: its holes stay holes in the core, unread.
                long rangeEnd = ph.paddr() + ph.filesz();
                long at = ph.paddr();
                while (at < rangeEnd) {
                    long data = src.memory().nextData(at, rangeEnd - at);
                    long runEnd = data < rangeEnd ? src.memory().dataEnd(data, rangeEnd - data) : rangeEnd;
                    for (long p = data; p < runEnd; p += CHUNK) {
                        long n = Math.min(CHUNK, runEnd - p);
                        writeNonZeroPages(ch, src.memory().slice(p, n), zeros, ph.offset() + (p - ph.paddr()));
                    }
                    done += runEnd - at;
                    progress.advance(done, total);
                    at = runEnd;
                }
            }
            if (ch.size() < end) {
                ch.write(ByteBuffer.wrap(new byte[1]), end - 1); // the file ends where the last range does
            }
        } catch (IOException e) {
            throw target.failure(e);
        }
        target.commit();
        return new Written(target.file(), end, total, src.cpuNotes().size(), DumpFormat.ELF,
                "ELF core, " + (phdrs.size() - 1) + " PT_LOADs" + (src.space() != null ? " with virtual addresses" : "")
                        + ", pages of zeros left as holes");
    }

    /** Writes each run of pages that are not all zero at {@code position}; zero pages stay holes. */
    static void writeNonZeroPages(FileChannel ch, MemorySegment chunk, MemorySegment zeros, long position) throws IOException {
        long n = chunk.byteSize();
        long run = -1;
        for (long p = 0; p < n; p += PAGE) {
            long len = Math.min(PAGE, n - p);
            boolean zero = MemorySegment.mismatch(chunk, p, p + len, zeros, 0, len) < 0;
            if (!zero && run < 0) {
                run = p;
            } else if (zero && run >= 0) {
                writeFully(ch, chunk.asSlice(run, p - run).asByteBuffer(), position + run);
                run = -1;
            }
        }
        if (run >= 0) {
            writeFully(ch, chunk.asSlice(run, n - run).asByteBuffer(), position + run);
        }
    }

    static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            position += ch.write(b, position);
        }
    }

    static long align(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
