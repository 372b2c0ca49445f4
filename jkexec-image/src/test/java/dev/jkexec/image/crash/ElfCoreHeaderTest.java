package dev.jkexec.image.crash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Encodes ELF core headers and decodes them with the ELF parser. */
@Pure
class ElfCoreHeaderTest {
    static final long GIB = 1L << 30;

    static CrashEnvironment env(int cpus, boolean vmcoreinfo) {
        List<MemoryRange> notes = new java.util.ArrayList<>();
        long hidden = GIB + Maps.CRASH_SIZE;
        for (int i = 0; i < cpus; i++) {
            notes.add(new MemoryRange(hidden + 0x10000 + i * 0x400L, 0x400, E820Type.RESERVED));
        }
        return new CrashEnvironment(Maps.crashRegion(GIB), notes,
                vmcoreinfo ? new MemoryRange(hidden + 0x8000, 4096, E820Type.RESERVED) : null, Maps.oldRam(GIB));
    }

    @Test
    void decodesAsElf64CoreWithNotesThenLoads() {
        long backup = 0x4FF60000L;
        byte[] h = ElfCoreHeader.encode(env(2, true), backup);
        assertThat(h).hasSize(64 + 56 * (2 + 1 + 2));
        ElfFile elf = ElfParser.parseHeaders(MemorySegment.ofArray(h));
        assertThat(elf.is64()).isTrue();
        assertThat(elf.type()).isEqualTo(ElfFile.ET_CORE);
        assertThat(elf.machine()).isEqualTo(ElfFile.EM_X86_64);
        assertThat(elf.phoff()).isEqualTo(64);
        List<ProgramHeader> ph = elf.programHeaders();
        assertThat(ph).extracting(ProgramHeader::typeName).containsExactly("PT_NOTE", "PT_NOTE", "PT_NOTE", "PT_LOAD", "PT_LOAD");
        long hidden = GIB + Maps.CRASH_SIZE;
        assertThat(ph.get(0).paddr()).isEqualTo(hidden + 0x10000);
        assertThat(ph.get(0).offset()).isEqualTo(hidden + 0x10000);
        assertThat(ph.get(1).paddr()).isEqualTo(hidden + 0x10400);
        assertThat(ph.get(1).filesz()).isEqualTo(0x400);
        assertThat(ph.get(2).paddr()).isEqualTo(hidden + 0x8000);
        assertThat(ph.get(2).memsz()).isEqualTo(4096);
        // [0, 640K): paddr stays 0, the bytes are in the backup
        assertThat(ph.get(3).paddr()).isZero();
        assertThat(ph.get(3).offset()).isEqualTo(backup);
        assertThat(ph.get(3).filesz()).isEqualTo(0xA0000);
        assertThat(ph.get(4).paddr()).isEqualTo(0x100000);
        assertThat(ph.get(4).offset()).isEqualTo(0x100000);
        assertThat(ph.get(4).memsz()).isEqualTo(GIB - 0x100000);
        long loads = elf.loads().stream().mapToLong(ProgramHeader::memsz).sum();
        assertThat(loads).isEqualTo(Maps.oldRam(GIB).stream().mapToLong(MemoryRange::size).sum());
        assertThat(elf.loads()).allMatch(p -> p.filesz() == p.memsz() && p.vaddr() == 0 && p.flags() == 7);
    }

    @Test
    void ramRangeAcrossTheBackupBoundaryIsSplit() {
        CrashEnvironment e = new CrashEnvironment(Maps.crashRegion(GIB), List.of(), null,
                List.of(new MemoryRange(0x1000, 0x200000, E820Type.RAM)));
        List<ProgramHeader> ph = ElfCoreHeader.programHeaders(e, 0x4FF60000L);
        assertThat(ph).hasSize(2);
        assertThat(ph.get(0).paddr()).isEqualTo(0x1000);
        assertThat(ph.get(0).offset()).isEqualTo(0x4FF61000L);
        assertThat(ph.get(0).memsz()).isEqualTo(0xA0000 - 0x1000);
        assertThat(ph.get(1).paddr()).isEqualTo(0xA0000);
        assertThat(ph.get(1).offset()).isEqualTo(0xA0000);
        assertThat(ph.get(0).memsz() + ph.get(1).memsz()).isEqualTo(0x200000);
    }

    @Test
    void atCrashTimeTheLoadsGetDirectMapVaddrsAndTheKernelTextComesFirst() {
        KernelAddressSpace space = new KernelAddressSpace(0xffff8d8e00000000L, -0x16e00000L, 0x31e00000L,
                0xffffffffb2e00000L, 0x1c000000L, 0x2800000L);
        CrashEnvironment e = env(2, true);
        long backup = 0x4FF60000L;
        List<ProgramHeader> ph = ElfCoreHeader.programHeaders(e, backup, space);
        assertThat(ph).extracting(ProgramHeader::typeName).containsExactly("PT_NOTE", "PT_NOTE", "PT_NOTE", "PT_LOAD", "PT_LOAD", "PT_LOAD");
        ProgramHeader text = ph.get(3);
        assertThat(text.vaddr()).isEqualTo(0xffffffffb2e00000L);
        assertThat(text.paddr()).isEqualTo(0x1c000000L);
        assertThat(text.offset()).isEqualTo(0x1c000000L);
        assertThat(text.memsz()).isEqualTo(0x2800000L);
        assertThat(ph.get(4).vaddr()).isEqualTo(0xffff8d8e00000000L);
        assertThat(ph.get(4).offset()).isEqualTo(backup);
        assertThat(ph.get(5).vaddr()).isEqualTo(0xffff8d8e00100000L);
        // what was decoded is what was encoded, and it fits the room reserved at load
        byte[] bytes = ElfCoreHeader.encode(e, backup, space, List.of());
        assertThat(ElfParser.parseHeaders(MemorySegment.ofArray(bytes)).programHeaders()).isEqualTo(ph);
        assertThat(bytes.length).isLessThanOrEqualTo(ElfCoreHeader.capacity(e));
        CrashEnvironment none = env(2, false);
        assertThat(ElfCoreHeader.encode(none, backup, space, List.of()).length).isLessThanOrEqualTo(ElfCoreHeader.capacity(none));
    }

    @Test
    void withoutVmcoreinfo() {
        assertThat(ElfCoreHeader.programHeaders(env(1, false), 0)).extracting(ProgramHeader::typeName)
                .containsExactly("PT_NOTE", "PT_LOAD", "PT_LOAD");
    }

    @Test
    void crashMemoryMap() {
        MemoryRange region = Maps.crashRegion(GIB);
        MemoryRange header = new MemoryRange(0x4FF5F000L, 0x1000, E820Type.RESERVED);
        MemoryRange backup = new MemoryRange(0x4FF60000L, 0xA0000, E820Type.RESERVED);
        MemoryMap m = CrashMemoryMap.build(Maps.guest1G(), region, List.of(header, backup));
        assertThat(m.ram()).containsExactly(
                new MemoryRange(0, 0xA0000, E820Type.RAM),
                new MemoryRange(GIB, 0x4FF5F000L - GIB, E820Type.RAM));
        assertThat(m.find(0x100000).type()).isEqualTo(E820Type.RESERVED);
        assertThat(m.find(GIB - 1).type()).isEqualTo(E820Type.RESERVED);
        assertThat(m.find(0x4FF5F000L).type()).isEqualTo(E820Type.RESERVED);
        assertThat(m.find(0x4FFFFFFFL).type()).isEqualTo(E820Type.RESERVED);
        assertThat(m.find(0xF0000).type()).isEqualTo(E820Type.RESERVED);
        assertThat(m.find(0xFFFF0000L).type()).isEqualTo(E820Type.RESERVED);
        assertThat(m.find(0xA0000)).isNull();
    }
}
