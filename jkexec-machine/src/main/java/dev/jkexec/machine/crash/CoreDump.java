package dev.jkexec.machine.crash;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A host-side ELF core of a guest, written from the shared RAM: what jkexec keeps when a crash
 * cannot go to a crash kernel (none loaded, or its image damaged) and what {@code jkexec dump}
 * writes on request. Readable by {@code readelf}, {@code gdb} and {@code crash}.
 *
 * <pre>
 *  ELF64 ET_CORE EM_X86_64 header
 *  program headers: one PT_NOTE (all vCPU notes), one PT_LOAD per RAM range
 *                   (p_paddr = physical start, p_offset = file offset, page aligned)
 *  notes: one NT_PRSTATUS per vCPU
 *  RAM contents, range after range
 * </pre>
 *
 * <p>RAM is copied with bulk channel writes straight from the mapping; 1 MiB chunks that are all
 * zero are skipped, leaving holes, so a mostly empty guest costs little disk. The file is written
 * under a temporary name and moved into place, so a reader never sees half a core.
 */
public final class CoreDump {
    private static final long PAGE = Paging.PAGE_SIZE;
    private static final int CHUNK = 1 << 20;

    private CoreDump() {
    }

    /** What was written. */
    public record Written(Path file, long bytes, long ramBytes, int cpus) {
    }

    /**
     * Writes the core.
     *
     * @param notes one complete ELF note (header, name, descriptor) per vCPU
     */
    public static Written write(Path file, PhysicalMemory memory, List<MemoryRange> ram, List<byte[]> notes) {
        int phnum = 1 + ram.size();
        long notesOffset = ElfCoreHeader.EHDR_SIZE + (long) ElfCoreHeader.PHDR_SIZE * phnum;
        long notesSize = 0;
        for (byte[] n : notes) {
            notesSize += align(n.length, 4);
        }
        List<ProgramHeader> phdrs = new ArrayList<>();
        phdrs.add(new ProgramHeader(0, ProgramHeader.PT_NOTE, 0, notesOffset, 0, 0, notesSize, 0, 0));
        long offset = align(notesOffset + notesSize, PAGE);
        long ramBytes = 0;
        for (MemoryRange r : ram) {
            if (!memory.contains(r.start(), r.size())) {
                throw new IllegalArgumentException("range " + r + " outside memory");
            }
            phdrs.add(new ProgramHeader(phdrs.size(), ProgramHeader.PT_LOAD, 7, offset, 0, r.start(), r.size(), r.size(), PAGE));
            offset += r.size();
            ramBytes += r.size();
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".partial");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE); Arena arena = Arena.ofConfined()) {
            writeFully(ch, ByteBuffer.wrap(ElfCoreHeader.encode(phdrs)), 0);
            long at = notesOffset;
            for (byte[] n : notes) {
                writeFully(ch, ByteBuffer.wrap(n), at);
                at += align(n.length, 4);
            }
            MemorySegment zeros = arena.allocate(CHUNK);
            for (int i = 1; i < phdrs.size(); i++) {
                ProgramHeader ph = phdrs.get(i);
                for (long done = 0; done < ph.filesz(); done += CHUNK) {
                    long n = Math.min(CHUNK, ph.filesz() - done);
                    MemorySegment chunk = memory.slice(ph.paddr() + done, n);
                    if (MemorySegment.mismatch(chunk, 0, n, zeros, 0, n) >= 0) {
                        writeFully(ch, chunk.asByteBuffer(), ph.offset() + done);
                    }
                }
            }
            if (ch.size() < offset) {
                ch.write(ByteBuffer.wrap(new byte[1]), offset - 1); // the file ends where the last range does
            }
        } catch (IOException e) {
            throw new JkexecException("writing core " + file + ": " + e.getMessage(), e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new JkexecException("writing core " + file + ": " + e.getMessage(), e);
        }
        return new Written(file, offset, ramBytes, notes.size());
    }

    private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
        while (b.hasRemaining()) {
            position += ch.write(b, position);
        }
    }

    private static long align(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
