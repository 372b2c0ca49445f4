package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.boot.ZeroPageField;
import dev.jkexec.image.purgatory.Purgatory;
import dev.jkexec.image.purgatory.PurgatoryParams;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Where everything of an image goes, before the purgatory's bytes exist: every segment placed (the
 * purgatory's with no buffer yet), the kernel's load address and entry, the zero page and what was
 * written into it, and the e820 table the kernel will see. {@link #build} generates the purgatory
 * for these addresses and returns the {@link KexecImage}.
 *
 * @param type               default or crash
 * @param arch               the entry mode's architecture (EM_X86_64 for 64-bit entry, EM_386 for 32- and 16-bit
 *                           entries and Multiboot)
 * @param protocol           how the purgatory enters the kernel (the Linux boot protocol of the entry mode, or Multiboot)
 * @param kernel             one line describing the kernel (format, protocol, compression)
 * @param kernelLoad         lowest address of the kernel's segments
 * @param kernelEntry        where the purgatory jumps: load + 0x200 (64-bit bzImage), load (32-bit), e_entry (ELF,
 *                           Multiboot), the setup code at X + 0x200 (16-bit)
 * @param kernelMemsz        bytes reserved for the kernel
 * @param initrd             the initrd's address, or {@code null}
 * @param initrdSize         the initrd's size in bytes (0 without initrd)
 * @param zeroPage           physical address of boot_params (16-bit entry: the setup code's base X, where the
 *                           kernel builds boot_params itself; Multiboot: the information structure)
 * @param commandLineAddress physical address of the command line
 * @param commandLine        the command line as the kernel gets it
 * @param zeroPageFields     every zero page field written, in order
 * @param e820               the memory map written into the zero page
 * @param elfCoreHeader      crash images: address of the ELF core header, else {@code null}
 * @param backup             crash images: address of the low-memory backup, else {@code null}
 * @param purgatory          the purgatory's parameters (its load address is the image's entry)
 * @param segments           every segment in address order, the purgatory's without buffer
 * @param machineMap         the machine's memory map the image was planned against
 */
public record ImageLayout(ImageType type, Arch arch, BootProtocol protocol, String kernel, long kernelLoad, long kernelEntry, long kernelMemsz,
                          Long initrd, long initrdSize, long zeroPage, long commandLineAddress, String commandLine,
                          List<ZeroPageField> zeroPageFields, MemoryMap e820, Long elfCoreHeader, Long backup,
                          PurgatoryParams purgatory, List<PlannedSegment> segments, MemoryMap machineMap) {
    public static final String PURGATORY = "purgatory";

    public ImageLayout {
        zeroPageFields = List.copyOf(zeroPageFields);
        segments = segments.stream().sorted((x, y) -> Long.compare(x.destination(), y.destination())).toList();
    }

    /** The image's entry: the purgatory's load address. */
    public long entry() {
        return purgatory.loadAddress();
    }

    /**
     * Generates the purgatory for this layout and returns the image.
     *
     * @throws IllegalStateException when the generator returns no bytes or more than {@link Purgatory#SIZE}
     */
    public KexecImage build(Function<PurgatoryParams, byte[]> generator) {
        byte[] code = generator.apply(purgatory);
        if (code == null || code.length == 0 || code.length > Purgatory.SIZE) {
            throw new IllegalStateException("purgatory generator returned " + (code == null ? "null" : code.length + " bytes")
                    + "; expected 1.." + Purgatory.SIZE);
        }
        List<KexecSegment> out = new ArrayList<>();
        for (PlannedSegment s : segments) {
            MemorySegment buf = s.what().equals(PURGATORY) ? MemorySegment.ofArray(code) : s.buffer();
            out.add(new KexecSegment(buf, s.destination(), s.memsz(), s.what(), s.role()));
        }
        return new KexecImage(type, arch, entry(), out, machineMap);
    }

    /** The layout as {@code kexec -l -d} prints it, with "what" in place of the host buffer pointer. */
    public String describe(List<KexecSegment> built) {
        StringBuilder b = new StringBuilder();
        b.append("kernel: ").append(kernel).append('\n');
        b.append("Loaded purgatory at addr ").append(hex(purgatory.loadAddress())).append('\n');
        if (protocol == BootProtocol.LINUX_32 || protocol == BootProtocol.LINUX_64) {
            b.append("Loaded zero page and command line at ").append(hex(zeroPage)).append('\n');
        }
        if (elfCoreHeader != null) {
            b.append("Created backup segment at ").append(hex(backup)).append('\n');
            b.append("Created elf header segment at ").append(hex(elfCoreHeader)).append('\n');
            segments.stream().filter(s -> s.what().equals("elfcorehdr") && s.buffer() != null).findFirst().ifPresent(s -> {
                for (dev.jkexec.image.elf.ProgramHeader p : dev.jkexec.image.elf.ElfParser.parseHeaders(s.buffer()).programHeaders()) {
                    b.append(String.format("Elf header: p_type = %d, p_offset = 0x%x p_paddr = 0x%x p_vaddr = 0x%x p_filesz = 0x%x p_memsz = 0x%x%n",
                            p.type(), p.offset(), p.paddr(), p.vaddr(), p.filesz(), p.memsz()));
                }
                b.append("Elf header: rewritten by the machine at crash time: the VMCOREINFO note page filled from guest RAM,\n")
                        .append("  every RAM p_vaddr set to the crashed kernel's direct map, its kernel-text PT_LOAD added\n");
            });
        }
        b.append("kernel memsz ").append(hex(kernelMemsz)).append('\n');
        switch (protocol) {
            case LINUX_16 -> b.append("Loaded real-mode setup at ").append(hex(zeroPage)).append(", entered at ")
                    .append(String.format("%04x:0000", (zeroPage >> 4) + 0x20)).append("; 32bit kernel at ")
                    .append(hex(kernelLoad)).append('\n');
            case MULTIBOOT -> b.append("Loaded Multiboot kernel at ").append(hex(kernelLoad)).append(", entry ")
                    .append(hex(kernelEntry)).append("; information structure at ").append(hex(zeroPage)).append('\n');
            default -> b.append("Loaded ").append(arch == Arch.X86_64 ? "64" : "32").append("bit kernel at ").append(hex(kernelLoad))
                    .append(", entry ").append(hex(kernelEntry)).append('\n');
        }
        b.append("Entry protocol: ").append(protocol.label()).append('\n');
        if (initrd != null) {
            b.append("Loaded initrd at ").append(hex(initrd)).append(" size ").append(hex(initrdSize)).append('\n');
        }
        b.append("Command line: ").append(commandLine).append('\n');
        b.append(protocol == BootProtocol.MULTIBOOT ? "Multiboot information:\n"
                : protocol == BootProtocol.LINUX_16 ? "Setup header fields (in the setup code):\n" : "Zero page fields:\n");
        for (ZeroPageField f : zeroPageFields) {
            b.append("  ").append(f).append('\n');
        }
        b.append(protocol == BootProtocol.LINUX_16 ? "E820 memmap (jkexec's BIOS answers int 15h E820h with it):\n"
                : protocol == BootProtocol.MULTIBOOT ? "E820 memmap (the information structure's memory map):\n" : "E820 memmap:\n");
        for (MemoryRange r : e820.ranges()) {
            b.append(String.format("%016x-%016x (%d)%n", r.start(), r.end() - 1, r.type().code()));
        }
        b.append("kexec_load: entry = ").append(hex(entry())).append(" arch = ").append(arch.elfName())
                .append(" type = ").append(type.label()).append('\n');
        b.append("nr_segments = ").append(segments.size()).append('\n');
        for (int i = 0; i < segments.size(); i++) {
            PlannedSegment s = segments.get(i);
            long bufsz = built != null ? built.get(i).bufferSize() : s.bufsz();
            b.append(String.format("segment[%d].what  = %s%n", i, s.what()));
            b.append(String.format("segment[%d].bufsz = %s%n", i, bufsz < 0 ? "(purgatory not generated)" : hex(bufsz)));
            b.append(String.format("segment[%d].mem   = %s%n", i, hex(s.destination())));
            b.append(String.format("segment[%d].memsz = %s%n", i, hex(s.memsz())));
        }
        return b.toString();
    }
}
