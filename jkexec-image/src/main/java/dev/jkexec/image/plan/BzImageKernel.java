package dev.jkexec.image.plan;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.bzimage.LoadFlag;
import dev.jkexec.image.bzimage.SetupHeader;
import dev.jkexec.image.bzimage.SetupHeaderField;
import dev.jkexec.image.bzimage.XLoadFlag;
import dev.jkexec.platform.PcPlatform;
import java.util.List;

/**
 * A bzImage as the planner loads it (spec §3.4 and §4.6): the protected-mode code, from
 * {@code (setup_sects+1)*512} to the end of the file, is the kernel segment's buffer; the segment
 * reserves {@code page_align(init_size)} bytes because the decompressor works in place up to there.
 * A relocatable kernel goes at or above {@code max(1 MiB, pref_address)}, aligned to
 * {@code kernel_alignment} (lowered toward {@code 1 << min_alignment} when nothing fits): top-down
 * for the 64-bit entry, as both kexec loaders do for x86-64; <em>bottom-up</em> for the 32- and
 * 16-bit entries, as kexec-tools' i386 loader does. A non-relocatable one goes to exactly 1 MiB and
 * reserves up to {@code pref_address + init_size}, where it moves itself.
 *
 * <p>Why bottom-up for 32 bits: a 32-bit kernel (no XLF_KERNEL_64) runs where it is loaded, and
 * everything it touches before its own page tables cover all of RAM must lie in its lowmem
 * (the direct map), which ends well below 896 MiB: Debian's 686 kernel on 1 GiB maps up to
 * 0x36bfe000, so a kernel placed top-down at 0x36000000 with its 0x1018000-byte init_size
 * reservation unmaps its own pages during early paging and triple faults. From
 * {@code pref_address} up it ends at about 33 MiB whatever the RAM. Its limit is still
 * {@link #LOWMEM_32_END} (or {@code initrd_addr_max}), and the initrd stays below it too.
 */
record BzImageKernel(BzImage image) implements KernelImage {
    static final long KERNEL_MIN = 0x100000;
    /** kexec-tools' cap for a 32-bit kernel ({@code DEFAULT_BZIMAGE_ADDR_MAX}): the direct map ends at 896 MiB at most. */
    static final long KERNEL32_MAX = 0x37FF_FFFFL;
    /**
     * Where jkexec assumes a 32-bit kernel's lowmem ends, at the latest: 4 GiB − PAGE_OFFSET
     * (0xC0000000, the 3G/1G split of every distribution kernel) − the 128 MiB vmalloc reserve −
     * 32 MiB for the fixmap and pkmap areas. Measured: Debian's 686 kernel maps up to 0x36bfe000.
     */
    static final long LOWMEM_32_END = 0x3600_0000L;
    static final long FOUR_GIB = PcPlatform.FOUR_GIB;

    private SetupHeader header() {
        return image.header();
    }

    @Override
    public String describe() {
        return "bzImage, protocol " + SetupHeaderField.versionString(header().rawVersion())
                + (image.compression() == null ? "" : ", " + image.compression().label() + " payload");
    }

    @Override
    public void checkEntry(EntryMode mode) {
        SetupHeader h = header();
        if (h.rawVersion() < 0x202) {
            throw new ImageFormatException(SetupHeaderField.VERSION.qualifiedName(), hex(h.rawVersion()), "protocol "
                    + SetupHeaderField.versionString(h.rawVersion()) + " has no cmd_line_ptr; jkexec loads 2.02 and newer");
        }
        if (!LoadFlag.LOADED_HIGH.in(h.loadFlags())) {
            throw new ImageFormatException(SetupHeaderField.LOADFLAGS.qualifiedName(), hex(h.loadFlags()),
                    "LOADED_HIGH is clear: a zImage, which loads at 0x10000, is not supported");
        }
        if (mode == EntryMode.BIT64 && !XLoadFlag.XLF_KERNEL_64.in(h.xloadFlags())) {
            throw new ImageFormatException(SetupHeaderField.XLOADFLAGS.qualifiedName(), hex(h.xloadFlags()),
                    "XLF_KERNEL_64 is clear: protocol " + SetupHeaderField.versionString(h.rawVersion())
                    + " kernel has no 64-bit entry; use the 32-bit entry");
        }
    }

    @Override
    public Placement place(Placer placer, EntryMode mode) {
        SetupHeader h = header();
        long bufsz = image.protectedModeCode().byteSize();
        long load;
        long memsz;
        if (h.relocatable()) {
            long align = h.kernelAlignment();
            if (align == 0 || Long.bitCount(align) != 1) {
                throw new ImageFormatException(SetupHeaderField.KERNEL_ALIGNMENT.qualifiedName(), hex(align),
                        "kernel_alignment " + hex(align) + " of a relocatable kernel is not a power of two");
            }
            memsz = Placer.pageAlign(Math.max(bufsz, h.initSize()));
            long min = Math.max(KERNEL_MIN, h.prefAddress());
            long limit = kernelLimit(mode);
            long minAlign = Math.max(Placer.PAGE, h.has(SetupHeaderField.MIN_ALIGNMENT)
                    ? 1L << Math.min(h.get(SetupHeaderField.MIN_ALIGNMENT), 40) : align);
            boolean bottomUp = mode != EntryMode.BIT64;
            long at = -1;
            for (long a = Math.max(align, Placer.PAGE); a >= minAlign && at < 0; a >>= 1) {
                at = bottomUp ? placer.findBottomUp(memsz, a, min, limit) : placer.findTopDown(memsz, a, min, limit);
            }
            if (at < 0) {
                throw placer.noRoom("kernel", memsz, Math.max(align, Placer.PAGE), min, limit);
            }
            load = at;
            placer.fixed("kernel", load, memsz);
        } else {
            load = KERNEL_MIN;
            long runtimeStart = Math.max(h.prefAddress(), load);
            memsz = Placer.pageAlign(Math.max(bufsz, runtimeStart + h.initSize() - load));
            placer.fixed("kernel", load, memsz);
        }
        return new Placement(List.of(new PlannedSegment("kernel", load, memsz, image.protectedModeCode())),
                load, load + mode.offset(), memsz);
    }

    /**
     * Exclusive upper bound of the kernel's reservation. 64-bit entry: 4 GiB unless
     * XLF_CAN_BE_LOADED_ABOVE_4G. 32- or 16-bit entry of a 64-bit kernel (XLF_KERNEL_64): 4 GiB,
     * its startup_32 builds its own page tables. 32- or 16-bit entry of a 32-bit kernel: its lowmem,
     * {@code min(LOWMEM_32_END, initrd_addr_max + 1)}, because such a kernel runs where it is loaded.
     */
    long kernelLimit(EntryMode mode) {
        int xlf = header().xloadFlags();
        if (mode == EntryMode.BIT64) {
            return XLoadFlag.XLF_CAN_BE_LOADED_ABOVE_4G.in(xlf) ? Long.MAX_VALUE : FOUR_GIB;
        }
        return is32BitKernel() ? lowmemLimit() : FOUR_GIB;
    }

    /** A kernel without a 64-bit entry: an i386 kernel, which runs where it is loaded, in its lowmem. */
    boolean is32BitKernel() {
        return !XLoadFlag.XLF_KERNEL_64.in(header().xloadFlags());
    }

    /** The end of what a 32-bit kernel can reach before it has mapped all of RAM. */
    long lowmemLimit() {
        return Math.min(Math.min(KERNEL32_MAX, header().initrdAddrMax()) + 1, LOWMEM_32_END);
    }

    @Override
    public long commandLineLimit() {
        return header().cmdlineSize();
    }

    @Override
    public ZeroPageBuilder zeroPage(EntryMode mode) {
        // Both kexec loaders write loadflags 0 for the 64-bit entry; the 32-bit entry keeps LOADED_HIGH.
        return ZeroPageBuilder.fromHeader(header())
                .typeOfLoader(ZeroPage.TYPE_OF_LOADER_KEXEC)
                .loadFlags(mode == EntryMode.BIT64 ? 0 : LoadFlag.LOADED_HIGH.bit());
    }

    @Override
    public long initrdLimit(EntryMode mode) {
        if (mode == EntryMode.BIT64 && XLoadFlag.XLF_CAN_BE_LOADED_ABOVE_4G.in(header().xloadFlags())) {
            return Long.MAX_VALUE;
        }
        if (is32BitKernel()) {
            return lowmemLimit(); // above it, the kernel would have to copy the initrd down first
        }
        return Math.min(header().initrdAddrMax(), FOUR_GIB - 1) + 1;
    }

    @Override
    public long setupLimit(EntryMode mode) {
        return mode == EntryMode.BIT64 && XLoadFlag.XLF_CAN_BE_LOADED_ABOVE_4G.in(header().xloadFlags()) ? Long.MAX_VALUE : FOUR_GIB;
    }
}
