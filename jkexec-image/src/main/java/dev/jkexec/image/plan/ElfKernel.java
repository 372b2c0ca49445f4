package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.platform.PcPlatform;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * An ELF vmlinux as the planner loads it, u-root style: each PT_LOAD goes to its {@code p_paddr}
 * (physical, e.g. 16 MiB), and the kernel is entered at {@code e_entry}, its physical
 * {@code startup_64}, through the 64-bit protocol. The decompressor is bypassed, so there is no
 * KASLR and the load addresses are fixed.
 *
 * <p>PT_LOADs are made page aligned and merged like u-root's {@code AlignAndMerge}: each range is
 * widened to whole pages, and ranges that then share a page become one segment whose buffer holds
 * every part at its offset (zero filled between). A lone page-aligned PT_LOAD keeps a view of the
 * file as its buffer; only merged ones are copied. PT_LOADs whose physical ranges truly overlap are
 * an error.
 */
record ElfKernel(ElfFile elf) implements KernelImage {
    /** Linux's COMMAND_LINE_SIZE on x86 is 2048, NUL included. */
    static final long CMDLINE_SIZE = 2047;
    static final long FOUR_GIB = PcPlatform.FOUR_GIB;
    /** x86-64's architectural limit of physical addresses (52 bits). */
    static final long MAX_PHYSICAL = 1L << 52;

    @Override
    public String describe() {
        // String.join, not +: this concatenation's call site is bootstrapped (a class spun) at every
        // start that plans a vmlinux, on the way to the first boot (docs/boot-profile.md, branch cliwindow).
        return String.join(" ", "ELF vmlinux,", elf.className(), elf.machineName(), elf.typeName());
    }

    @Override
    public void checkEntry(EntryMode mode) {
        if (mode != EntryMode.BIT64) {
            throw new ImageFormatException("elf.e_machine", elf.machineName(),
                    "an ELF vmlinux is entered at its 64-bit startup_64 only; the " + mode.bits() + "-bit entry needs a bzImage");
        }
        if (!elf.is64() || elf.machine() != ElfFile.EM_X86_64) {
            throw new ImageFormatException("elf.e_machine", elf.machineName(), "an " + elf.className() + " "
                    + elf.machineName() + " file is not an x86-64 vmlinux (ELF64 EM_X86_64)");
        }
        if (elf.type() != ElfFile.ET_EXEC) {
            throw ImageFormatException.mismatch("elf.e_type", elf.type(), ElfFile.ET_EXEC);
        }
        if (elf.loads().stream().noneMatch(ph -> ph.memsz() != 0)) {
            throw new ImageFormatException("elf.e_phnum", hex(elf.programHeaders().size()), "no PT_LOAD with contents");
        }
    }

    @Override
    public Placement place(Placer placer, EntryMode mode) {
        List<PlannedSegment> segments = segments(0);
        long lowest = segments.getFirst().destination();
        PlannedSegment last = segments.getLast();
        long span = last.destination() + last.memsz() - lowest;
        // One reservation for the whole image: the gaps between PT_LOADs (the text/rodata gap, say)
        // are the kernel's too — it frees them after boot, so nothing else may be placed there.
        placer.fixed("kernel", lowest, span);
        checkEntryInside(segments, 0);
        return new Placement(segments, lowest, elf.entry(), span);
    }

    /**
     * The PT_LOADs as page-aligned segments at {@code p_paddr + delta}, those sharing a page merged,
     * in address order; checks they do not overlap.
     */
    List<PlannedSegment> segments(long delta) {
        List<ProgramHeader> loads = new ArrayList<>(elf.loads().stream().filter(ph -> ph.memsz() != 0).toList());
        for (ProgramHeader ph : loads) {
            if (ph.paddr() < 0 || ph.memsz() < 0 || ph.memsz() > MAX_PHYSICAL || ph.paddr() > MAX_PHYSICAL - ph.memsz()) {
                throw new ImageFormatException("elf.phdr[" + ph.index() + "].p_paddr", hex(ph.paddr()), "PT_LOAD "
                        + hex(ph.paddr()) + "+" + hex(ph.memsz()) + " lies beyond the 52-bit physical address space");
            }
        }
        loads.sort((x, y) -> Long.compare(x.paddr(), y.paddr()));
        List<List<ProgramHeader>> groups = new ArrayList<>();
        long groupEnd = Long.MIN_VALUE;
        for (int i = 0; i < loads.size(); i++) {
            ProgramHeader ph = loads.get(i);
            if (i > 0) {
                ProgramHeader prev = loads.get(i - 1);
                if (ph.paddr() < prev.paddr() + prev.memsz()) {
                    throw new ImageFormatException("elf.phdr[" + ph.index() + "].p_paddr", hex(ph.paddr()), "PT_LOAD at "
                            + hex(ph.paddr()) + " overlaps phdr[" + prev.index() + "] ending at " + hex(prev.paddr() + prev.memsz()));
                }
            }
            long start = ph.paddr() & -Placer.PAGE;
            if (groups.isEmpty() || start >= groupEnd) {
                groups.add(new ArrayList<>());
            }
            groups.getLast().add(ph);
            groupEnd = Placer.pageAlign(ph.paddr() + ph.memsz());
        }
        List<PlannedSegment> segments = new ArrayList<>();
        for (List<ProgramHeader> g : groups) {
            long start = g.getFirst().paddr() & -Placer.PAGE;
            ProgramHeader last = g.getLast();
            long memsz = Placer.pageAlign(last.paddr() + last.memsz()) - start;
            String what = "kernel " + g.stream().map(ph -> "phdr[" + ph.index() + "]").reduce((a, b) -> a + "+" + b).orElseThrow();
            segments.add(new PlannedSegment(what, start + delta, memsz, buffer(g, start)));
        }
        return segments;
    }

    /** {@code e_entry}, moved by {@code delta}, lies in one of {@code segments}. */
    void checkEntryInside(List<PlannedSegment> segments, long delta) {
        long entry = elf.entry();
        if (segments.stream().noneMatch(s -> entry + delta >= s.destination() && entry + delta < s.destination() + s.memsz())) {
            throw new ImageFormatException("elf.e_entry", hex(entry), "entry " + hex(entry) + " lies in no PT_LOAD");
        }
    }

    /** The bytes of a group of PT_LOADs that share pages, starting at the page-aligned {@code start}. */
    private MemorySegment buffer(List<ProgramHeader> group, long start) {
        ProgramHeader first = group.getFirst();
        if (group.size() == 1 && first.paddr() == start) {
            return elf.contents(first);
        }
        long end = start;
        for (ProgramHeader ph : group) {
            end = Math.max(end, ph.paddr() + ph.filesz());
        }
        if (end - start > Integer.MAX_VALUE - 8) {
            throw new ImageFormatException("elf.phdr[" + first.index() + "].p_filesz", hex(end - start), "merged PT_LOADs too large");
        }
        byte[] out = new byte[(int) (end - start)];
        for (ProgramHeader ph : group) {
            MemorySegment.copy(elf.contents(ph), ValueLayout.JAVA_BYTE, 0, out, (int) (ph.paddr() - start), (int) ph.filesz());
        }
        return MemorySegment.ofArray(out);
    }

    @Override
    public long commandLineLimit() {
        return CMDLINE_SIZE;
    }

    @Override
    public ZeroPageBuilder zeroPage(EntryMode mode) {
        return ZeroPageBuilder.minimal(CMDLINE_SIZE).typeOfLoader(ZeroPage.TYPE_OF_LOADER_KEXEC);
    }

    @Override
    public long initrdLimit(EntryMode mode) {
        // The vmlinux says nothing about XLF_CAN_BE_LOADED_ABOVE_4G: stay below 4 GiB.
        return FOUR_GIB;
    }

    @Override
    public long setupLimit(EntryMode mode) {
        return FOUR_GIB;
    }
}
