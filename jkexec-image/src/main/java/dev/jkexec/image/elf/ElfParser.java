package dev.jkexec.image.elf;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses little-endian ELF32 and ELF64 files, forward only, with a named check for every field
 * that bounds a later read.
 *
 * <p>Order of checks: {@code e_ident} (magic, class, data = LSB, version); the whole ELF header is
 * present; {@code e_version} = 1; {@code e_ehsize}; {@code e_phentsize} matches the class when there
 * are program headers; {@code e_phnum} is below {@link #MAX_PHDR_BYTES} worth of headers; the table
 * {@code [e_phoff, e_phoff + e_phnum*e_phentsize)} lies in the file; then per header:
 * {@code p_offset + p_filesz} lies in the file (when contents are parsed), a PT_LOAD's
 * {@code p_filesz <= p_memsz} and neither {@code p_paddr + p_memsz} nor {@code p_vaddr + p_memsz}
 * wraps; then every PT_NOTE's notes ({@code n_namesz}, {@code n_descsz} stay inside the segment).
 * Every sum is overflow-checked; a failure is an {@link ImageFormatException} naming the field
 * ({@code elf.phdr[3].p_filesz}) and its value.
 */
public final class ElfParser {
    /** e_ident[EI_MAG0..3] = 7F 'E' 'L' 'F', read as a little-endian u32. */
    public static final long ELF_MAGIC = 0x464C457FL;
    public static final int ELFCLASS32 = 1;
    public static final int ELFCLASS64 = 2;
    public static final int ELFDATA2LSB = 1;
    /** Largest program header table accepted (Linux's binfmt_elf caps it at 64 KiB as well). */
    public static final int MAX_PHDR_BYTES = 64 << 10;
    /** Most notes read from one file. */
    public static final int MAX_NOTES = 4096;

    private final ByteView v;
    private final boolean contents;

    private ElfParser(MemorySegment file, boolean contents) {
        this.v = new ByteView(file, "ELF file");
        this.contents = contents;
    }

    /** Whether {@code file} starts with the ELF magic. */
    public static boolean isElf(MemorySegment file) {
        return file.byteSize() >= 4 && new ByteView(file, "file").u32(0, "elf.e_ident") == ELF_MAGIC;
    }

    /** Parses the header, the program headers and their contents' bounds, and every note. */
    public static ElfFile parse(MemorySegment file) {
        return new ElfParser(file, true).run();
    }

    /**
     * Parses the header and program headers only. For files whose program headers describe bytes
     * elsewhere, as an ELF core header does: its {@code p_offset}s point into the dump, not into it.
     */
    public static ElfFile parseHeaders(MemorySegment file) {
        return new ElfParser(file, false).run();
    }

    private ElfFile run() {
        if (v.size() < 16) {
            throw new ImageFormatException("elf.length", hex(v.size()), hex(v.size()) + " bytes cannot hold e_ident (16 bytes)");
        }
        long magic = v.u32(0, "elf.e_ident.magic");
        if (magic != ELF_MAGIC) {
            throw ImageFormatException.mismatch("elf.e_ident.magic", magic, ELF_MAGIC);
        }
        int cls = v.u8(4, "elf.e_ident.class");
        if (cls != ELFCLASS32 && cls != ELFCLASS64) {
            throw new ImageFormatException("elf.e_ident.class", hex(cls), "class " + hex(cls) + " is neither ELFCLASS32 (1) nor ELFCLASS64 (2)");
        }
        int data = v.u8(5, "elf.e_ident.data");
        if (data != ELFDATA2LSB) {
            throw ImageFormatException.mismatch("elf.e_ident.data", data, ELFDATA2LSB);
        }
        int identVersion = v.u8(6, "elf.e_ident.version");
        if (identVersion != 1) {
            throw ImageFormatException.mismatch("elf.e_ident.version", identVersion, 1);
        }
        boolean is64 = cls == ELFCLASS64;
        int ehsize = is64 ? 64 : 52;
        if (v.size() < ehsize) {
            throw new ImageFormatException("elf.length", hex(v.size()), hex(v.size()) + " bytes cannot hold the "
                    + (is64 ? "ELF64" : "ELF32") + " header (" + hex(ehsize) + " bytes)");
        }
        int type = v.u16(16, "elf.e_type");
        int machine = v.u16(18, "elf.e_machine");
        long version = v.u32(20, "elf.e_version");
        if (version != 1) {
            throw ImageFormatException.mismatch("elf.e_version", version, 1);
        }
        long entry = is64 ? v.u64(24, "elf.e_entry") : v.u32(24, "elf.e_entry");
        long phoff = is64 ? v.u64(32, "elf.e_phoff") : v.u32(28, "elf.e_phoff");
        long shoff = is64 ? v.u64(40, "elf.e_shoff") : v.u32(32, "elf.e_shoff");
        int at = is64 ? 52 : 40;
        int headerSize = v.u16(at, "elf.e_ehsize");
        int phentsize = v.u16(at + 2, "elf.e_phentsize");
        int phnum = v.u16(at + 4, "elf.e_phnum");
        int shnum = v.u16(at + 8, "elf.e_shnum");
        if (headerSize != ehsize) {
            throw ImageFormatException.mismatch("elf.e_ehsize", headerSize, ehsize);
        }
        int expectedPhent = is64 ? 56 : 32;
        if (phnum > 0 && phentsize != expectedPhent) {
            throw ImageFormatException.mismatch("elf.e_phentsize", phentsize, expectedPhent);
        }
        if ((long) phnum * expectedPhent > MAX_PHDR_BYTES) {
            throw new ImageFormatException("elf.e_phnum", hex(phnum), phnum + " program headers exceed the "
                    + hex(MAX_PHDR_BYTES) + "-byte limit of the table (" + MAX_PHDR_BYTES / expectedPhent + " headers)");
        }
        long tableSize = (long) phnum * expectedPhent;
        if (!ByteView.fits(phoff, tableSize, v.size())) {
            throw new ImageFormatException("elf.e_phoff", hex(phoff), "program header table " + hex(phoff) + "+"
                    + hex(tableSize) + " lies outside the " + hex(v.size()) + "-byte file");
        }
        List<ProgramHeader> phdrs = new ArrayList<>(phnum);
        for (int i = 0; i < phnum; i++) {
            phdrs.add(programHeader(is64, i, phoff + (long) i * expectedPhent));
        }
        List<ElfNote> notes = new ArrayList<>();
        if (contents) {
            for (ProgramHeader ph : phdrs) {
                if (ph.isNote()) {
                    ElfNotes.parse(v, ph, notes, MAX_NOTES);
                }
            }
        }
        return new ElfFile(v.segment(), is64, type, machine, entry, phoff, phentsize, shoff, shnum, phdrs, notes);
    }

    private ProgramHeader programHeader(boolean is64, int i, long at) {
        String p = "elf.phdr[" + i + "].";
        ProgramHeader ph = is64
                ? new ProgramHeader(i, v.u32(at, p + "p_type"), v.u32(at + 4, p + "p_flags"), v.u64(at + 8, p + "p_offset"),
                        v.u64(at + 16, p + "p_vaddr"), v.u64(at + 24, p + "p_paddr"), v.u64(at + 32, p + "p_filesz"),
                        v.u64(at + 40, p + "p_memsz"), v.u64(at + 48, p + "p_align"))
                : new ProgramHeader(i, v.u32(at, p + "p_type"), v.u32(at + 24, p + "p_flags"), v.u32(at + 4, p + "p_offset"),
                        v.u32(at + 8, p + "p_vaddr"), v.u32(at + 12, p + "p_paddr"), v.u32(at + 16, p + "p_filesz"),
                        v.u32(at + 20, p + "p_memsz"), v.u32(at + 28, p + "p_align"));
        if (contents && ph.filesz() != 0 && !ByteView.fits(ph.offset(), ph.filesz(), v.size())) {
            String field = ph.offset() < 0 || ph.offset() > v.size() ? "p_offset" : "p_filesz";
            throw new ImageFormatException(p + field, hex(field.equals("p_offset") ? ph.offset() : ph.filesz()),
                    "contents " + hex(ph.offset()) + "+" + hex(ph.filesz()) + " lie outside the " + hex(v.size()) + "-byte file");
        }
        if (ph.isLoad()) {
            if (Long.compareUnsigned(ph.filesz(), ph.memsz()) > 0) {
                throw new ImageFormatException(p + "p_filesz", hex(ph.filesz()), "p_filesz " + hex(ph.filesz())
                        + " exceeds p_memsz " + hex(ph.memsz()));
            }
            if (wraps(ph.paddr(), ph.memsz())) {
                throw new ImageFormatException(p + "p_paddr", hex(ph.paddr()), "p_paddr " + hex(ph.paddr()) + " + p_memsz "
                        + hex(ph.memsz()) + " wraps around the address space");
            }
            if (wraps(ph.vaddr(), ph.memsz())) {
                throw new ImageFormatException(p + "p_vaddr", hex(ph.vaddr()), "p_vaddr " + hex(ph.vaddr()) + " + p_memsz "
                        + hex(ph.memsz()) + " wraps around the address space");
            }
        }
        return ph;
    }

    /** Whether {@code [start, start + size)} wraps past 2^64 (an end of exactly 2^64 is allowed). */
    static boolean wraps(long start, long size) {
        return size != 0 && Long.compareUnsigned(start + size - 1, start) < 0;
    }
}
