package dev.jkexec.image.plan;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.elf.ElfParser;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A kernel the planner can load, whichever its format: it knows how to place itself, where its
 * entry is, and what its zero page starts from.
 */
sealed interface KernelImage permits BzImageKernel, ElfKernel, DecompressedKernel {

    /** Where the kernel went and where it is entered. */
    record Placement(List<PlannedSegment> segments, long load, long entry, long memsz) {
    }

    /**
     * Parses {@code file} as the format its magic says; anything else is a typed error. With
     * {@code decompress}, a bzImage's payload is decompressed now and its vmlinux loaded.
     */
    static KernelImage parse(MemorySegment file, boolean decompress) {
        return parse(file, decompress, null, false);
    }

    /**
     * {@link #parse(MemorySegment, boolean)}, with KASLR for a decompressed bzImage when
     * {@code kaslr} is not null (see {@link DecompressedKernel}); {@code randomPhysical} says
     * whether its physical address is randomised too.
     */
    static KernelImage parse(MemorySegment file, boolean decompress, java.util.random.RandomGenerator kaslr, boolean randomPhysical) {
        return switch (KernelFormat.detect(file)) {
            case ELF -> new ElfKernel(ElfParser.parse(file));
            case BZIMAGE -> decompress ? DecompressedKernel.of(BzImage.parse(file), kaslr, randomPhysical)
                    : new BzImageKernel(BzImage.parse(file));
            case MULTIBOOT -> throw new IllegalStateException("Multiboot kernels are planned by MultibootPlan");
            case UNKNOWN -> throw KernelFormat.unknown(file);
        };
    }

    /** One line: format, protocol, compression. */
    String describe();

    /** Checks the kernel can be entered this way (a typed error naming the field otherwise). */
    void checkEntry(EntryMode mode);

    /** Places the kernel's segments. */
    Placement place(Placer placer, EntryMode mode);

    /** Most command line bytes before the NUL. */
    long commandLineLimit();

    /** A zero page with the kernel's header and the loader fields that depend only on the kernel. */
    ZeroPageBuilder zeroPage(EntryMode mode);

    /** Exclusive upper bound for the initrd's end. */
    long initrdLimit(EntryMode mode);

    /** Exclusive upper bound for the zero page and command line segment's end. */
    long setupLimit(EntryMode mode);
}
