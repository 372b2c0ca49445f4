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
 * A relocatable kernel goes top-down, at or above {@code max(1 MiB, pref_address)}, aligned to
 * {@code kernel_alignment} (lowered toward {@code 1 << min_alignment} when nothing fits); a
 * non-relocatable one goes to exactly 1 MiB and reserves up to {@code pref_address + init_size},
 * where it moves itself.
 */
record BzImageKernel(BzImage image) implements KernelImage {
    static final long KERNEL_MIN = 0x100000;
    /** kexec-tools' cap for a 32-bit kernel: its direct map ends at 896 MiB. */
    static final long KERNEL32_MAX = 0x37FF_FFFFL;
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
            long at = -1;
            for (long a = Math.max(align, Placer.PAGE); a >= minAlign && at < 0; a >>= 1) {
                at = placer.findTopDown(memsz, a, min, limit);
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
     * XLF_CAN_BE_LOADED_ABOVE_4G. 32-bit entry of a 64-bit kernel (XLF_KERNEL_64): 4 GiB, its
     * startup_32 builds its own page tables. 32-bit entry of a 32-bit kernel: kexec-tools' cap
     * {@code min(0x37FFFFFF, initrd_addr_max)}, because such a kernel runs where it is loaded and
     * its direct map ends at 896 MiB.
     */
    long kernelLimit(EntryMode mode) {
        int xlf = header().xloadFlags();
        if (mode == EntryMode.BIT64) {
            return XLoadFlag.XLF_CAN_BE_LOADED_ABOVE_4G.in(xlf) ? Long.MAX_VALUE : FOUR_GIB;
        }
        return XLoadFlag.XLF_KERNEL_64.in(xlf) ? FOUR_GIB : Math.min(KERNEL32_MAX, header().initrdAddrMax()) + 1;
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
        return Math.min(header().initrdAddrMax(), FOUR_GIB - 1) + 1;
    }

    @Override
    public long setupLimit(EntryMode mode) {
        return mode == EntryMode.BIT64 && XLoadFlag.XLF_CAN_BE_LOADED_ABOVE_4G.in(header().xloadFlags()) ? Long.MAX_VALUE : FOUR_GIB;
    }
}
