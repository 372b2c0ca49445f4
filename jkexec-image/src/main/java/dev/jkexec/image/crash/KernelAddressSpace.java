package dev.jkexec.image.crash;

/**
 * Where a crashed x86-64 Linux kernel had its memory, as kdump tools need it in a dump's program
 * headers (x86-boot-and-kexec.md §5): the direct map (every physical address {@code p} at
 * {@code pageOffset + p}; {@code page_offset_base}, randomised by KASLR), and the kernel text
 * mapping ({@code __START_KERNEL_map} + {@code phys_base}, shifted by KASLR's KERNELOFFSET).
 * Derived on the host from the guest's VMCOREINFO and its own page tables (in jkexec-core).
 *
 * @param pageOffset   virtual address of physical 0 in the direct map
 * @param physBase     NUMBER(phys_base): {@code __pa(x) = x - START_KERNEL_MAP + physBase}
 * @param kernelOffset KERNELOFFSET (KASLR's text shift; 0 without KASLR)
 * @param textVaddr    start of the kernel-text PT_LOAD ({@code _stext} rounded down to 2 MiB)
 * @param textPaddr    its physical address
 * @param textSize     bytes mapped contiguously from {@code textVaddr} (the image, {@code _text.._end}, in 2 MiB pages)
 */
public record KernelAddressSpace(long pageOffset, long physBase, long kernelOffset, long textVaddr, long textPaddr,
                                 long textSize) {
    /** {@code __START_KERNEL_map}: the kernel text mapping's base before KASLR. */
    public static final long START_KERNEL_MAP = 0xffffffff80000000L;
    /** PAGE_OFFSET of 4-level kernels since 4.20 without KASLR. */
    public static final long PAGE_OFFSET_L4 = 0xffff888000000000L;

    /** The direct-map virtual address of physical {@code paddr}. */
    public long directMap(long paddr) {
        return pageOffset + paddr;
    }

    /** {@code __pa_symbol}: the physical address of a kernel-text virtual address. */
    public long textToPhysical(long vaddr) {
        return vaddr - START_KERNEL_MAP + physBase;
    }

    @Override
    public String toString() {
        return String.format("page_offset_base 0x%x, phys_base 0x%x, KERNELOFFSET 0x%x, text 0x%x -> 0x%x (0x%x bytes)",
                pageOffset, physBase, kernelOffset, textVaddr, textPaddr, textSize);
    }
}
