package dev.jkexec.image.elf;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: ELF files and their notes ({@link ElfParser#parse}, {@link ElfParser#parseHeaders}).
 * Beyond "only {@link ImageFormatException}": the program header table and every PT_LOAD's and
 * PT_NOTE's contents lie inside the file, no PT_LOAD wraps, notes stay within their segment and
 * their count within {@link ElfParser#MAX_NOTES}; the renderings {@code inspect} prints of each note
 * never fail. Seeds: the real vmlinux files' headers and notes (their loadable contents cut short)
 * and synthetic ELF32/ELF64 files.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class ElfParserFuzzTest {
    static final int MAX_INPUT = 64 << 10;

    @FuzzTest
    void elf(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, ImageFormatException.class, bytes -> {
            MemorySegment file = MemorySegment.ofArray(bytes);
            ElfFile headers = ElfParser.parseHeaders(file);
            check(headers.notes().isEmpty(), "headers-only parse read notes");
            ElfFile elf = ElfParser.parse(file);
            long size = bytes.length;
            check(headers.programHeaders().equals(elf.programHeaders()), "the two parses disagree on the program headers");
            long table = (long) elf.programHeaders().size() * (elf.is64() ? 56 : 32);
            check(elf.programHeaders().isEmpty() || (elf.phoff() >= 0 && elf.phoff() + table <= size), "program header table outside the file");
            for (ProgramHeader ph : elf.programHeaders()) {
                if (ph.filesz() != 0) {
                    check(ph.offset() >= 0 && ph.filesz() > 0 && ph.offset() + ph.filesz() <= size, "phdr " + ph.index() + " contents outside the file");
                }
                if (ph.isLoad()) {
                    check(Long.compareUnsigned(ph.filesz(), ph.memsz()) <= 0, "PT_LOAD filesz > memsz");
                    check(!ElfParser.wraps(ph.paddr(), ph.memsz()) && !ElfParser.wraps(ph.vaddr(), ph.memsz()), "PT_LOAD wraps");
                    check(elf.contents(ph).byteSize() == ph.filesz(), "PT_LOAD contents of another length");
                }
            }
            check(elf.notes().size() <= ElfParser.MAX_NOTES, elf.notes().size() + " notes");
            for (ElfNote n : elf.notes()) {
                check(n.desc().byteSize() <= size, "note desc larger than the file");
                n.typeName();
                n.describeDesc();
                n.descNumber();
            }
            elf.buildId();
            elf.pvhEntry();
            elf.typeName();
            elf.machineName();
        });
    }
}
