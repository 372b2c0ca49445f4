package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.bzimage.SetupHeaderField;
import dev.jkexec.image.elf.ElfParser;
import java.util.List;

/**
 * A bzImage whose payload jkexec decompressed on the host at load: its vmlinux is loaded instead
 * of the protected-mode code, so the kernel's own decompressor — the longest part of a boot under
 * emulation — never runs.
 *
 * <p>The vmlinux's PT_LOADs keep their layout relative to each other but move as one block, top
 * down, to an address aligned to {@code kernel_alignment} at or above {@code pref_address} (as a
 * relocatable bzImage's kernel would go); the kernel is entered at its {@code startup_64}
 * ({@code e_entry}, moved by the same delta), which accepts any physical address aligned to
 * 2 MiB (Linux's {@code __startup_64} computes its load delta and fixes its page tables; this is
 * how the decompressor hands over after choosing a physical address). So a crash kernel can run
 * from the crash region without its decompressor too. The zero page carries the bzImage's setup
 * header. There is no KASLR: the decompressor is what randomizes.
 *
 * <p>Only relocatable 64-bit kernels (XLF_KERNEL_64) qualify, entered in long mode.
 */
record DecompressedKernel(BzImage image, ElfKernel vmlinux, BzImageKernel original) implements KernelImage {
    static DecompressedKernel of(BzImage image) {
        return new DecompressedKernel(image, new ElfKernel(ElfParser.parse(java.lang.foreign.MemorySegment.ofArray(image.decompress()))), new BzImageKernel(image));
    }

    @Override
    public String describe() {
        return original.describe() + ", decompressed by jkexec: vmlinux entered at startup_64";
    }

    @Override
    public void checkEntry(EntryMode mode) {
        original.checkEntry(mode);
        vmlinux.checkEntry(mode);
        if (!image.header().relocatable()) {
            throw new ImageFormatException(SetupHeaderField.RELOCATABLE_KERNEL.qualifiedName(), "0",
                    "a non-relocatable kernel runs where its vmlinux says; load the bzImage without decompressing");
        }
    }

    @Override
    public Placement place(Placer placer, EntryMode mode) {
        List<PlannedSegment> at0 = vmlinux.segments(0);
        long low = at0.getFirst().destination();
        PlannedSegment last = at0.getLast();
        long span = last.destination() + last.memsz() - low;
        long align = Math.max(image.header().kernelAlignment(), 1L << 21); // __startup_64 wants 2 MiB
        if (Long.bitCount(align) != 1) {
            throw new ImageFormatException(SetupHeaderField.KERNEL_ALIGNMENT.qualifiedName(), hex(align),
                    "kernel_alignment " + hex(align) + " is not a power of two");
        }
        long min = Math.max(BzImageKernel.KERNEL_MIN, image.header().prefAddress());
        long limit = original.kernelLimit(mode);
        long base = placer.findTopDown(span, align, min, limit);
        if (base < 0) {
            throw placer.noRoom("kernel (decompressed)", span, align, min, limit);
        }
        // One reservation for the whole image, gaps between PT_LOADs included (the kernel frees them).
        placer.fixed("kernel", base, span);
        List<PlannedSegment> moved = vmlinux.segments(base - low);
        vmlinux.checkEntryInside(moved, base - low);
        return new Placement(moved, base, vmlinux.elf().entry() + base - low, span);
    }

    @Override
    public long commandLineLimit() {
        return original.commandLineLimit();
    }

    @Override
    public ZeroPageBuilder zeroPage(EntryMode mode) {
        return original.zeroPage(mode);
    }

    @Override
    public long initrdLimit(EntryMode mode) {
        return original.initrdLimit(mode);
    }

    @Override
    public long setupLimit(EntryMode mode) {
        return original.setupLimit(mode);
    }
}
