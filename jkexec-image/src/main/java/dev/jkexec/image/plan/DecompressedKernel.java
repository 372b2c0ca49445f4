package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.bzimage.LoadFlag;
import dev.jkexec.image.bzimage.SetupHeaderField;
import dev.jkexec.image.bzimage.VmlinuxRelocs;
import dev.jkexec.image.elf.ElfParser;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * A bzImage whose payload jkexec decompressed on the host at load: its vmlinux is loaded instead
 * of the protected-mode code, so the kernel's own decompressor — the longest part of a boot under
 * emulation — never runs.
 *
 * <p>The vmlinux's PT_LOADs keep their layout relative to each other but move as one block to an
 * address aligned to {@code kernel_alignment} (at least 2 MiB) at or above {@code pref_address};
 * the kernel is entered at its {@code startup_64} ({@code e_entry}, moved by the same delta), which
 * accepts any such physical address (Linux's {@code __startup_64} computes its load delta and
 * fixes its page tables; this is how the decompressor hands over after choosing an address). So a
 * crash kernel can run from the crash region without its decompressor too. The zero page carries
 * the bzImage's setup header.
 *
 * <p><b>KASLR</b>, when the request gives a random source (and the command line has no
 * {@code nokaslr}), is what the kernel's decompressor would have done
 * ({@code arch/x86/boot/compressed/kaslr.c} and {@code misc.c}):
 * <ul>
 *   <li>physical: the block goes to a random aligned slot of the free memory below the kernel's
 *       limit, instead of the highest (default images only: a crash image stays top-down in its
 *       small region, where the initrd and headers need the rest);</li>
 *   <li>virtual: a random offset, a multiple of {@code kernel_alignment}, that keeps the image
 *       inside the 1 GiB kernel text mapping; the relocation table after the vmlinux
 *       ({@link VmlinuxRelocs}) is applied for it, and {@code KASLR_FLAG} is set in the zero page's
 *       {@code loadflags}, as the decompressor sets it, so the kernel reports and uses it (its
 *       VMCOREINFO then says {@code KERNELOFFSET=}). A kernel without the table gets the physical
 *       part only.</li>
 * </ul>
 *
 * <p>Only relocatable 64-bit kernels (XLF_KERNEL_64) qualify, entered in long mode.
 */
final class DecompressedKernel implements KernelImage {
    /** Linux's KERNEL_IMAGE_SIZE with RANDOMIZE_BASE on x86-64: the kernel text mapping is 1 GiB. */
    static final long KERNEL_IMAGE_SIZE = 1L << 30;

    private final BzImage image;
    private final byte[] payload;
    private final ElfKernel vmlinux;
    private final BzImageKernel original;
    private final RandomGenerator random;
    private final boolean randomPhysical;
    /** The virtual offset chosen by {@link #place}, 0 before or without KASLR. */
    private long virtualOffset;
    private String kaslr = "";

    private DecompressedKernel(BzImage image, byte[] payload, RandomGenerator random, boolean randomPhysical) {
        this.image = image;
        this.payload = payload;
        this.vmlinux = new ElfKernel(ElfParser.parse(MemorySegment.ofArray(payload)));
        this.original = new BzImageKernel(image);
        this.random = random;
        this.randomPhysical = randomPhysical;
    }

    /** Without KASLR: the vmlinux at the highest fitting address, at its link-time virtual address. */
    static DecompressedKernel of(BzImage image) {
        return of(image, null, false);
    }

    /**
     * @param random         the KASLR source, or {@code null} for none
     * @param randomPhysical whether the physical address is randomised too (default images)
     */
    static DecompressedKernel of(BzImage image, RandomGenerator random, boolean randomPhysical) {
        return new DecompressedKernel(image, image.decompress(), random, randomPhysical);
    }

    /** The virtual offset KASLR chose (0 without it); valid after {@link #place}. */
    long virtualOffset() {
        return virtualOffset;
    }

    @Override
    public String describe() {
        return original.describe() + ", decompressed by jkexec: vmlinux entered at startup_64" + kaslr;
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
        long base = random != null && randomPhysical ? placer.findRandom(span, align, min, limit, random)
                : placer.findTopDown(span, align, min, limit);
        if (base < 0) {
            throw placer.noRoom("kernel (decompressed)", span, align, min, limit);
        }
        if (random != null) {
            randomizeVirtual(low, Math.max(span, image.header().initSize()), align);
            kaslr = String.format(", KASLR: physical 0x%x%s", base,
                    virtualOffset != 0 ? String.format(", virtual offset 0x%x", virtualOffset) : kaslr);
        }
        // One reservation for the whole image, gaps between PT_LOADs included (the kernel frees them).
        placer.fixed("kernel", base, span);
        List<PlannedSegment> moved = vmlinux.segments(base - low);
        vmlinux.checkEntryInside(moved, base - low);
        return new Placement(moved, base, vmlinux.elf().entry() + base - low, span);
    }

    /**
     * Picks the virtual offset (a multiple of {@code align} keeping {@code [_text, _text + size)}
     * inside the 1 GiB kernel text mapping, {@code _text} linked at {@code low}) and applies the
     * relocation table for it. Without a table the kernel keeps its link-time virtual address.
     */
    private void randomizeVirtual(long low, long size, long align) {
        Optional<VmlinuxRelocs> relocs = VmlinuxRelocs.find(payload, vmlinux.elf());
        if (relocs.isEmpty()) {
            kaslr = " (no relocation table after the vmlinux: virtual address not randomised)";
            return;
        }
        long slots = (KERNEL_IMAGE_SIZE - low - size) / align + 1;
        if (slots <= 1) {
            return;
        }
        long offset = random.nextLong(slots) * align;
        relocs.get().apply(payload, offset);
        virtualOffset = offset;
    }

    @Override
    public long commandLineLimit() {
        return original.commandLineLimit();
    }

    @Override
    public ZeroPageBuilder zeroPage(EntryMode mode) {
        ZeroPageBuilder z = original.zeroPage(mode);
        return random != null ? z.loadFlags(LoadFlag.KASLR_FLAG.bit()) : z;
    }

    @Override
    public long initrdLimit(EntryMode mode) {
        return original.initrdLimit(mode);
    }

    @Override
    public long setupLimit(EntryMode mode) {
        return original.setupLimit(mode);
    }

    /** Whether the kernel is placed at a random address, so the initrd is placed before it. */
    boolean randomizesPhysical() {
        return random != null && randomPhysical;
    }
}
