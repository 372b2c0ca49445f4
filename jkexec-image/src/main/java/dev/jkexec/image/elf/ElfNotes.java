package dev.jkexec.image.elf;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Reads the notes of one PT_NOTE segment: {@code {u32 n_namesz, u32 n_descsz, u32 n_type}}, the
 * name padded to 4 bytes (8 when the segment's {@code p_align} is 8, as GNU property notes are),
 * then the desc padded the same way. Every note must lie inside the segment.
 */
final class ElfNotes {
    private ElfNotes() {
    }

    static void parse(ByteView v, ProgramHeader ph, List<ElfNote> out, int maxNotes) {
        long align = ph.align() == 8 ? 8 : 4;
        long pos = ph.offset();
        long end = ph.offset() + ph.filesz();
        int i = 0;
        while (pos < end) {
            String p = "elf.phdr[" + ph.index() + "].note[" + i + "].";
            if (end - pos < 12) {
                throw new ImageFormatException(p + "n_namesz", hex(pos), hex(end - pos) + " bytes at " + hex(pos)
                        + " cannot hold a note header (12 bytes)");
            }
            long namesz = v.u32(pos, p + "n_namesz");
            long descsz = v.u32(pos + 4, p + "n_descsz");
            long type = v.u32(pos + 8, p + "n_type");
            long nameAt = pos + 12;
            long descAt = ByteView.add(nameAt, alignUp(namesz, align), p + "n_namesz");
            if (descAt > end) {
                throw new ImageFormatException(p + "n_namesz", hex(namesz), "name of " + hex(namesz)
                        + " bytes runs past the end of the note segment at " + hex(end));
            }
            long next = ByteView.add(descAt, alignUp(descsz, align), p + "n_descsz");
            if (descAt + descsz > end) {
                throw new ImageFormatException(p + "n_descsz", hex(descsz), "desc of " + hex(descsz)
                        + " bytes runs past the end of the note segment at " + hex(end));
            }
            if (out.size() >= maxNotes) {
                throw new ImageFormatException(p + "n_type", hex(type), "more than " + maxNotes + " notes");
            }
            String name = namesz == 0 ? "" : new String(v.copy(nameAt, namesz, p + "name"), StandardCharsets.ISO_8859_1);
            int nul = name.indexOf('\0');
            out.add(new ElfNote(nul >= 0 ? name.substring(0, nul) : name, type, v.slice(descAt, descsz, p + "desc")));
            pos = Math.min(next, end);
            i++;
        }
    }

    private static long alignUp(long value, long align) {
        return (value + align - 1) & -align;
    }
}
