package dev.jkexec.image.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.testing.ElfBuilder;
import dev.jkexec.image.testing.Le;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

@Pure
class ElfParserTest {
    static final byte[] BUILD_ID = HexFormat.of().parseHex("00112233445566778899aabbccddeeff01234567");

    static byte[] vmlinuxLike() {
        return ElfBuilder.elf64()
                .load(0xffffffff81000000L, 0x1000000, new byte[0x3000], 0x3000)
                .load(0xffffffff82000000L, 0x2000000, new byte[0x800], 0x5000)
                .note("GNU", ElfNote.NT_GNU_BUILD_ID, BUILD_ID)
                .note("Xen", ElfNote.XEN_ELFNOTE_PHYS32_ENTRY, ElfBuilder.u32(0x1000850))
                .note("Xen", 6, "linux\0".getBytes())
                .build();
    }

    static ElfFile parse(byte[] b) {
        return ElfParser.parse(MemorySegment.ofArray(b));
    }

    static ImageFormatException failure(byte[] b) {
        try {
            parse(b);
        } catch (ImageFormatException e) {
            return e;
        }
        throw new AssertionError("parsed");
    }

    /**
     * Fuzzing finding (ElfParserFuzzTest, input crash-3998c83f…): a bss-only PT_LOAD whose p_offset
     * lies past the end of the file parsed, and then {@code contents} threw IndexOutOfBoundsException
     * (the planner copies every PT_LOAD's contents).
     */
    @Test
    void bss_only_load_with_offset_past_the_end_has_no_contents() {
        byte[] b = ElfBuilder.elf64().load(0xffffffff81000000L, 0x1000000, new byte[0], 0x3000).build();
        long phoff = parse(b).phoff();
        java.lang.foreign.MemorySegment.ofArray(b).set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, phoff + 8, b.length + 0x1000L);
        ElfFile elf = parse(b);
        assertThat(elf.loads().getFirst().offset()).isEqualTo(b.length + 0x1000L);
        assertThat(elf.contents(elf.loads().getFirst()).byteSize()).isZero();
    }

    @Test
    void elf64WithLoadsAndNotes() {
        ElfFile elf = parse(vmlinuxLike());
        assertThat(elf.is64()).isTrue();
        assertThat(elf.typeName()).isEqualTo("ET_EXEC");
        assertThat(elf.machineName()).isEqualTo("EM_X86_64");
        assertThat(elf.entry()).isEqualTo(0x1000000);
        assertThat(elf.loads()).hasSize(2);
        ProgramHeader second = elf.loads().get(1);
        assertThat(second.paddr()).isEqualTo(0x2000000);
        assertThat(second.vaddr()).isEqualTo(0xffffffff82000000L);
        assertThat(second.filesz()).isEqualTo(0x800);
        assertThat(second.memsz()).isEqualTo(0x5000);
        assertThat(elf.contents(second).byteSize()).isEqualTo(0x800);
        assertThat(elf.programHeaders()).extracting(ProgramHeader::typeName).containsExactly("PT_LOAD", "PT_LOAD", "PT_NOTE");
        assertThat(elf.buildId()).hasValue("00112233445566778899aabbccddeeff01234567");
        assertThat(elf.pvhEntry()).hasValue(0x1000850);
        assertThat(elf.xenNotes()).extracting(ElfNote::typeName).containsExactly("XEN_ELFNOTE_PHYS32_ENTRY", "XEN_ELFNOTE_GUEST_OS");
        assertThat(elf.xenNotes().get(1).describeDesc()).isEqualTo("\"linux\"");
        assertThat(elf.notes().getFirst().typeName()).isEqualTo("NT_GNU_BUILD_ID");
    }

    @Test
    void elf32() {
        byte[] b = ElfBuilder.elf32().load(0xc0100000L, 0x100000, new byte[0x1200], 0x2000).build();
        ElfFile elf = parse(b);
        assertThat(elf.is64()).isFalse();
        assertThat(elf.machine()).isEqualTo(ElfFile.EM_386);
        assertThat(elf.entry()).isEqualTo(0x100000);
        assertThat(elf.loads()).singleElement().satisfies(ph -> {
            assertThat(ph.vaddr()).isEqualTo(0xc0100000L);
            assertThat(ph.paddr()).isEqualTo(0x100000);
            assertThat(ph.filesz()).isEqualTo(0x1200);
            assertThat(ph.memsz()).isEqualTo(0x2000);
            assertThat(ph.flagString()).isEqualTo("RWX");
        });
    }

    @Test
    void isElf() {
        assertThat(ElfParser.isElf(MemorySegment.ofArray(vmlinuxLike()))).isTrue();
        assertThat(ElfParser.isElf(MemorySegment.ofArray(new byte[] {0x7F, 'E', 'L'}))).isFalse();
        assertThat(ElfParser.isElf(MemorySegment.ofArray(new byte[64]))).isFalse();
    }

    @Test
    void tooShortForIdent() {
        assertThat(failure(new byte[] {0x7F, 'E', 'L', 'F', 2, 1}).field()).isEqualTo("elf.length");
    }

    @Test
    void wrongMagic() {
        byte[] b = vmlinuxLike();
        b[1] = 'X';
        ImageFormatException e = failure(b);
        assertThat(e).hasMessage("elf.e_ident.magic: actual 0x464c587f != expected 0x464c457f");
    }

    @Test
    void wrongClassDataAndVersion() {
        byte[] b = vmlinuxLike();
        b[4] = 3;
        assertThat(failure(b).field()).isEqualTo("elf.e_ident.class");
        b = vmlinuxLike();
        b[5] = 2;
        assertThat(failure(b).field()).isEqualTo("elf.e_ident.data");
        b = vmlinuxLike();
        b[6] = 0;
        assertThat(failure(b).field()).isEqualTo("elf.e_ident.version");
        b = vmlinuxLike();
        Le.u32(b, 20, 2);
        assertThat(failure(b).field()).isEqualTo("elf.e_version");
    }

    @Test
    void headerCut() {
        assertThat(failure(Arrays.copyOf(vmlinuxLike(), 40))).hasMessageContaining("cannot hold the ELF64 header");
    }

    @Test
    void wrongHeaderSizes() {
        byte[] b = vmlinuxLike();
        Le.u16(b, 52, 60);
        assertThat(failure(b).field()).isEqualTo("elf.e_ehsize");
        b = vmlinuxLike();
        Le.u16(b, 54, 64);
        assertThat(failure(b).field()).isEqualTo("elf.e_phentsize");
    }

    @Test
    void tooManyProgramHeaders() {
        byte[] b = vmlinuxLike();
        Le.u16(b, 56, 0xFFFF);
        ImageFormatException e = failure(b);
        assertThat(e.field()).isEqualTo("elf.e_phnum");
        assertThat(e.value()).isEqualTo("0xffff");
    }

    @Test
    void programHeaderTableOutsideTheFile() {
        byte[] b = vmlinuxLike();
        Le.u64(b, 32, b.length - 56);
        assertThat(failure(b).field()).isEqualTo("elf.e_phoff");
        Le.u64(b, 32, 0xFFFF_FFFF_FFFF_FFF0L);
        ImageFormatException e = failure(b);
        assertThat(e.field()).isEqualTo("elf.e_phoff");
        assertThat(e.value()).isEqualTo("0xfffffffffffffff0");
    }

    @Test
    void contentsOutsideTheFile() {
        ElfBuilder eb = ElfBuilder.elf64();
        byte[] b = vmlinuxLike();
        int ph = eb.phdrOffset(0);
        Le.u64(b, ph + 8, 0x7000_0000L);
        assertThat(failure(b).field()).isEqualTo("elf.phdr[0].p_offset");
        b = vmlinuxLike();
        Le.u64(b, ph + 32, 0x7000_0000L);
        Le.u64(b, ph + 40, 0x7000_0000L);
        assertThat(failure(b).field()).isEqualTo("elf.phdr[0].p_filesz");
        b = vmlinuxLike();
        Le.u64(b, ph + 8, 0x10);
        Le.u64(b, ph + 32, 0xFFFF_FFFF_FFFF_FFF8L);
        Le.u64(b, ph + 40, 0xFFFF_FFFF_FFFF_FFF8L);
        ImageFormatException e = failure(b);
        assertThat(e.field()).isEqualTo("elf.phdr[0].p_filesz");
        assertThat(e.value()).isEqualTo("0xfffffffffffffff8");
    }

    @Test
    void fileszAboveMemsz() {
        byte[] b = vmlinuxLike();
        int ph = new ElfBuilder().phdrOffset(1);
        Le.u64(b, ph + 40, 0x100);
        ImageFormatException e = failure(b);
        assertThat(e).hasMessage("elf.phdr[1].p_filesz: p_filesz 0x800 exceeds p_memsz 0x100");
    }

    @Test
    void loadWrappingTheAddressSpace() {
        byte[] b = vmlinuxLike();
        int ph = new ElfBuilder().phdrOffset(0);
        Le.u64(b, ph + 24, 0xFFFF_FFFF_FFFF_F000L);
        assertThat(failure(b).field()).isEqualTo("elf.phdr[0].p_paddr");
    }

    @Test
    void noteRunningPastItsSegment() {
        byte[] b = vmlinuxLike();
        ElfFile ok = parse(b);
        ProgramHeader note = ok.programHeaders().get(2);
        int at = (int) note.offset();
        Le.u32(b, at, 0x1000);
        assertThat(failure(b).field()).isEqualTo("elf.phdr[2].note[0].n_namesz");
        b = vmlinuxLike();
        Le.u32(b, at + 4, 0xFFFF_FFF0L);
        assertThat(failure(b).field()).isEqualTo("elf.phdr[2].note[0].n_descsz");
        b = vmlinuxLike();
        int ph = new ElfBuilder().phdrOffset(2);
        Le.u64(b, ph + 32, note.filesz() + 5);
        assertThat(failure(b)).hasMessageContaining("cannot hold a note header");
    }

    @Test
    void headersOnlyIgnoresContents() {
        byte[] b = vmlinuxLike();
        int ph = new ElfBuilder().phdrOffset(0);
        Le.u64(b, ph + 8, 0x7000_0000L);
        ElfFile elf = ElfParser.parseHeaders(MemorySegment.ofArray(b));
        assertThat(elf.loads().getFirst().offset()).isEqualTo(0x7000_0000L);
        assertThat(elf.notes()).isEmpty();
    }
}
