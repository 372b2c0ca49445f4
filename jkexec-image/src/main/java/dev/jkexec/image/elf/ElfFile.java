package dev.jkexec.image.elf;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A parsed little-endian ELF file (ELF32 or ELF64): the header fields a loader needs, the program
 * headers and the notes of its PT_NOTE segments. Produced by {@link ElfParser}, which validated
 * every offset and size it holds against the file.
 *
 * @param file           the file bytes (read-only view)
 * @param is64           ELFCLASS64 (else ELFCLASS32)
 * @param type           {@code e_type} (ET_EXEC 2, ET_DYN 3, ET_CORE 4, ...)
 * @param machine        {@code e_machine} (EM_386 3, EM_X86_64 62)
 * @param entry          {@code e_entry}; for an x86 vmlinux a physical address
 * @param phoff          {@code e_phoff}
 * @param phentsize      {@code e_phentsize}
 * @param shoff          {@code e_shoff}
 * @param shnum          {@code e_shnum}
 * @param programHeaders all program headers, in table order
 * @param notes          the notes of every PT_NOTE segment, in file order (empty when only headers were parsed)
 */
public record ElfFile(MemorySegment file, boolean is64, int type, int machine, long entry, long phoff, int phentsize,
                      long shoff, int shnum, List<ProgramHeader> programHeaders, List<ElfNote> notes) {
    public static final int ET_REL = 1;
    public static final int ET_EXEC = 2;
    public static final int ET_DYN = 3;
    public static final int ET_CORE = 4;
    public static final int EM_386 = 3;
    public static final int EM_X86_64 = 62;

    public ElfFile {
        file = file.asReadOnly();
        programHeaders = List.copyOf(programHeaders);
        notes = List.copyOf(notes);
    }

    /** The PT_LOAD headers, in table order. */
    public List<ProgramHeader> loads() {
        return programHeaders.stream().filter(ProgramHeader::isLoad).toList();
    }

    /**
     * The bytes a PT_LOAD header's file part covers ({@code p_offset}, {@code p_filesz}), validated by
     * the parser. A header with no file part ({@code p_filesz} 0, all bss) has no bytes, wherever its
     * {@code p_offset} points: the parser does not check that offset, and nothing is read from it.
     */
    public MemorySegment contents(ProgramHeader ph) {
        return ph.filesz() == 0 ? MemorySegment.ofArray(new byte[0]).asReadOnly() : file.asSlice(ph.offset(), ph.filesz());
    }

    /** The GNU build id in hex, if the file has one. */
    public Optional<String> buildId() {
        return notes.stream().filter(n -> n.isGnu() && n.type() == ElfNote.NT_GNU_BUILD_ID).findFirst().map(ElfNote::descHex);
    }

    /** The PVH entry ({@code XEN_ELFNOTE_PHYS32_ENTRY}), if the kernel has one. */
    public OptionalLong pvhEntry() {
        return notes.stream().filter(n -> n.isXen() && n.type() == ElfNote.XEN_ELFNOTE_PHYS32_ENTRY && n.descNumber() >= 0)
                .mapToLong(ElfNote::descNumber).findFirst();
    }

    /** The Xen notes, in file order. */
    public List<ElfNote> xenNotes() {
        return notes.stream().filter(ElfNote::isXen).toList();
    }

    public String typeName() {
        return switch (type) {
            case 0 -> "ET_NONE";
            case ET_REL -> "ET_REL";
            case ET_EXEC -> "ET_EXEC";
            case ET_DYN -> "ET_DYN";
            case ET_CORE -> "ET_CORE";
            default -> "0x" + Integer.toHexString(type);
        };
    }

    public String machineName() {
        return switch (machine) {
            case EM_386 -> "EM_386";
            case EM_X86_64 -> "EM_X86_64";
            default -> "0x" + Integer.toHexString(machine);
        };
    }

    public String className() {
        return is64 ? "ELF64" : "ELF32";
    }
}
