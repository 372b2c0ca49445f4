package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.UnsupportedImageException;
import dev.jkexec.image.boot.ZeroPageField;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.multiboot.MultibootHeader;
import dev.jkexec.image.multiboot.MultibootInfo;
import dev.jkexec.image.purgatory.Purgatory;
import dev.jkexec.image.purgatory.PurgatoryParams;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A Multiboot v1 kernel as the planner loads it (the Multiboot spec §3; what kexec-tools'
 * {@code kexec-multiboot-x86.c} does, and GRUB): the Xen hypervisor, or any kernel with the
 * header.
 * <ol>
 *   <li>the header's requirement bits (0-15) are checked: page-aligned modules (bit 0) and memory
 *       information (bit 1) are always given; video mode information (bit 2) and any unknown
 *       requirement are refused, as the spec says a loader must;</li>
 *   <li>the kernel goes where it says: with the address fields (bit 16), the file from
 *       {@code header_addr - load_addr} before the header, {@code load_end_addr - load_addr} bytes
 *       at {@code load_addr}, zero up to {@code bss_end_addr}, entered at {@code entry_addr};
 *       otherwise its ELF PT_LOADs at their physical addresses, entered at {@code e_entry};</li>
 *   <li>the modules follow, each page aligned, bottom-up above the kernel;</li>
 *   <li>then the information structure ({@link MultibootInfo}: memory map, command line, modules,
 *       loader name), and the purgatory, which enters the kernel in 32-bit protected mode with
 *       paging off, EAX = 0x2BADB002 and EBX = the structure.</li>
 * </ol>
 * Everything stays below 4 GiB. Only default images: a crash image is always a Linux kernel.
 */
final class MultibootPlan {
    /** What jkexec calls itself in {@code boot_loader_name}. */
    static final String LOADER_NAME = "jkexec";
    static final long FOUR_GIB = 1L << 32;
    static final long KNOWN_REQUIREMENTS = MultibootHeader.FLAG_PAGE_ALIGN | MultibootHeader.FLAG_MEMORY_INFO;

    private MultibootPlan() {
    }

    static ImageLayout layout(PlanRequest r, KernelFile file, MultibootHeader h, Placer placer) {
        if (r.type() != ImageType.DEFAULT) {
            throw new UnsupportedImageException("kernel.format", "multiboot", "a Multiboot kernel is loaded as a default "
                    + "image only; a crash image must be a Linux kernel reading /proc/vmcore");
        }
        if (r.entryMode() == EntryMode.BIT16) {
            throw new UnsupportedImageException("entry", "16", "a Multiboot kernel is entered in 32-bit protected mode "
                    + "(the Multiboot spec), not in real mode");
        }
        if (r.initrd() != null) {
            throw new ImageFormatException("initrd", "given", "a Multiboot kernel takes boot modules, not an initrd "
                    + "(give the dom0 kernel and its initrd as modules)");
        }
        long requirements = h.flags() & 0xFFFF;
        if ((requirements & MultibootHeader.FLAG_VIDEO_MODE) != 0) {
            throw new UnsupportedImageException("multiboot.flags", hex(h.flags()), "the kernel requires video mode "
                    + "information (bit 2); jkexec's machine has only a serial console");
        }
        if ((requirements & ~KNOWN_REQUIREMENTS & ~MultibootHeader.FLAG_VIDEO_MODE) != 0) {
            throw new UnsupportedImageException("multiboot.flags", hex(h.flags()), "the kernel requires features "
                    + hex(requirements & ~KNOWN_REQUIREMENTS) + " that the Multiboot v1 spec does not define");
        }
        List<PlannedSegment> segments = new ArrayList<>();
        MemorySegment bytes = file.contents();
        String kind;
        long entry;
        if (h.hasAddresses()) {
            segments.add(kludge(bytes, h));
            entry = h.entryAddr();
            kind = "Multiboot kernel (address fields)";
        } else {
            ElfFile elf = ElfParser.parse(bytes);
            if (elf.machine() != ElfFile.EM_386 && elf.machine() != ElfFile.EM_X86_64) {
                throw new ImageFormatException("elf.e_machine", elf.machineName(), "a Multiboot kernel for x86 is EM_386 "
                        + "or EM_X86_64, not " + elf.machineName());
            }
            List<PlannedSegment> loads = new ElfKernel(elf).segments(0);
            if (loads.isEmpty()) {
                throw new ImageFormatException("elf.e_phnum", hex(elf.programHeaders().size()), "no PT_LOAD with contents");
            }
            segments.addAll(loads);
            entry = elf.entry();
            kind = "Multiboot kernel, " + elf.className() + " " + elf.machineName();
        }
        long low = segments.getFirst().destination();
        long high = segments.getLast().end();
        if (high > FOUR_GIB || entry < low || entry >= high) {
            throw new ImageFormatException(h.hasAddresses() ? "multiboot.entry_addr" : "elf.e_entry", hex(entry), "entry "
                    + hex(entry) + " must lie in the kernel [" + hex(low) + ", " + hex(high) + ") below 4 GiB");
        }
        placer.fixed("kernel", low, high - low);

        List<MultibootInfo.Module> modules = new ArrayList<>();
        long floor = Math.max(high, 0x100000);
        for (int i = 0; i < r.modules().size(); i++) {
            PlanRequest.BootModule m = r.modules().get(i);
            long size = Math.max(m.data().byteSize(), 1);
            long at = placer.bottomUp("module[" + i + "]", size, Placer.PAGE, floor, FOUR_GIB);
            segments.add(new PlannedSegment("module[" + i + "] " + m.string(), at, Placer.pageAlign(size), m.data()));
            modules.add(new MultibootInfo.Module(at, at + m.data().byteSize(), m.string()));
            floor = at + Placer.pageAlign(size);
        }

        List<MemoryRange> map = r.memoryMap().ranges();
        MultibootInfo info = new MultibootInfo(r.commandLine(), LOADER_NAME, lowerKib(map), upperKib(map), map, modules);
        long infoAt = placer.bottomUp("multiboot info", info.size(), Placer.PAGE, floor, FOUR_GIB);
        segments.add(new PlannedSegment("multiboot info", infoAt, Placer.pageAlign(info.size()),
                MemorySegment.ofArray(info.encode(infoAt))));

        long purgatoryAt = placer.topDown(ImageLayout.PURGATORY, Purgatory.SIZE, Placer.PAGE, KexecPlanner.LOW_MIN, FOUR_GIB);
        segments.add(new PlannedSegment(ImageLayout.PURGATORY, purgatoryAt, Purgatory.SIZE, null));
        PurgatoryParams params = PurgatoryParams.of(Arch.I386, purgatoryAt, entry, infoAt)
                .withHandoff(PurgatoryParams.Handoff.MULTIBOOT, 0);
        SegmentRules.check(segments, r.memoryMap(), null);
        List<ZeroPageField> fields = List.of(
                new ZeroPageField("flags", 0, 4, MultibootInfo.FLAGS),
                new ZeroPageField("mem_lower", 4, 4, info.memLower()),
                new ZeroPageField("mem_upper", 8, 4, info.memUpper()),
                new ZeroPageField("mods_count", 20, 4, modules.size()),
                new ZeroPageField("mmap_length", 44, 4, (long) map.size() * 24));
        return new ImageLayout(r.type(), Arch.I386, BootProtocol.MULTIBOOT, file.describe() + kind, low, entry, high - low,
                null, 0, infoAt, infoAt + MultibootInfo.SIZE, r.commandLine(), fields, r.memoryMap(), null, null, params,
                segments, r.memoryMap());
    }

    /** The a.out kludge: the header's address fields say which file bytes go where. */
    private static PlannedSegment kludge(MemorySegment file, MultibootHeader h) {
        long loadAt = h.loadAddr();
        long fileStart = h.fileOffset() - (h.headerAddr() - loadAt);
        long loadEnd = h.loadEndAddr() == 0 ? loadAt + (file.byteSize() - fileStart) : h.loadEndAddr();
        long bssEnd = h.bssEndAddr() == 0 ? loadEnd : h.bssEndAddr();
        if (fileStart < 0) {
            throw new ImageFormatException("multiboot.header_addr", hex(h.headerAddr()), "the text would start "
                    + hex(h.headerAddr() - loadAt) + " bytes before the header, before the file's start");
        }
        if (loadEnd < loadAt || fileStart + (loadEnd - loadAt) > file.byteSize()) {
            throw new ImageFormatException("multiboot.load_end_addr", hex(h.loadEndAddr()), "load_end_addr "
                    + hex(h.loadEndAddr()) + " asks for more than the file holds after the text start");
        }
        if (bssEnd < loadEnd || bssEnd > FOUR_GIB) {
            throw new ImageFormatException("multiboot.bss_end_addr", hex(h.bssEndAddr()), "bss_end_addr "
                    + hex(h.bssEndAddr()) + " lies below load_end_addr or above 4 GiB");
        }
        if (loadAt % Placer.PAGE != 0) {
            throw new UnsupportedImageException("multiboot.load_addr", hex(loadAt), "load_addr must be page aligned "
                    + "(every kexec segment starts on a page)");
        }
        MemorySegment text = file.asSlice(fileStart, loadEnd - loadAt);
        return new PlannedSegment("kernel", loadAt, Placer.pageAlign(Math.max(bssEnd - loadAt, 1)), text);
    }

    /** KiB of RAM from address 0 (the conventional memory), at most 640. */
    static long lowerKib(List<MemoryRange> map) {
        return map.stream().filter(m -> m.type() == E820Type.RAM && m.start() == 0)
                .mapToLong(m -> Math.min(m.end(), 0xA0000) >> 10).findFirst().orElse(0);
    }

    /** KiB of RAM from 1 MiB up to the first hole. */
    static long upperKib(List<MemoryRange> map) {
        return map.stream().filter(m -> m.type() == E820Type.RAM && m.start() <= 0x100000 && m.end() > 0x100000)
                .mapToLong(m -> Math.min(m.end(), FOUR_GIB) - 0x100000 >> 10).findFirst().orElse(0);
    }
}
