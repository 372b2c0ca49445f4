package dev.jkexec.image.plan;

import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.SegmentRole;
import dev.jkexec.image.UnsupportedImageException;
import dev.jkexec.image.boot.E820Table;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.crash.CrashMemoryMap;
import dev.jkexec.image.crash.ElfCoreHeader;
import dev.jkexec.image.multiboot.MultibootHeader;
import dev.jkexec.image.purgatory.Purgatory;
import dev.jkexec.image.purgatory.PurgatoryParams;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PcPlatform;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The toolstack's planner: kernel bytes, initrd, command line and a memory map in, a
 * {@link dev.jkexec.image.KexecImage} out. {@link #layout} reads like the boot sequence:
 * <ol>
 *   <li>open the kernel file (a whole-file gzip/xz/zstd/bzip2 is decompressed, bounded by the RAM),
 *       then parse it by magic (bzImage, Multiboot, ELF; anything else is a typed error);
 *   <li>check the entry mode against it (64-bit needs XLF_KERNEL_64);
 *   <li>decide where segments may go: RAM minus the legacy window, or the crash region;
 *   <li>crash images: place the 640 KiB backup and the ELF core header first, because the command
 *       line ({@code elfcorehdr=}) and the crash e820 name them;
 *   <li>place the kernel, then the initrd;
 *   <li>place the zero page + command line (+ setup_data) and write their pointers;
 *   <li>place the purgatory, the image's entry;
 *   <li>check the segment rules.
 * </ol>
 * Every placement is top-down, like kexec-tools. {@link #plan} then generates the purgatory
 * through the seam given at construction ({@link Purgatory#build} by default), so placement is
 * testable without the real generator.
 */
public final class KexecPlanner {
    /** kexec-tools' lowest address for the purgatory and the setup segment. */
    public static final long LOW_MIN = 0x3000;
    /** kexec-tools' preferred lowest initrd address (INITRD_BASE); lower only when nothing fits. */
    public static final long INITRD_MIN = 16L << 20;
    /** The initrd's fallback minimum when 16 MiB up has no room. */
    public static final long INITRD_FALLBACK_MIN = 0x100000;
    static final long FOUR_GIB = PcPlatform.FOUR_GIB;

    private final Function<PurgatoryParams, byte[]> purgatory;

    /** A planner that generates the real purgatory. */
    public KexecPlanner() {
        this(Purgatory::build);
    }

    /** A planner with another purgatory generator (tests of placement). */
    public KexecPlanner(Function<PurgatoryParams, byte[]> purgatory) {
        this.purgatory = Objects.requireNonNull(purgatory, "purgatory");
    }

    /** Plans the image and generates its purgatory. */
    public ImagePlan plan(PlanRequest request) {
        ImageLayout layout = layout(request);
        return new ImagePlan(layout, layout.build(purgatory));
    }

    /** Places every segment and builds every buffer except the purgatory's. */
    public ImageLayout layout(PlanRequest r) {
        // A kernel file compressed whole (xen.gz, vmlinux.xz) is opened first; it must fit the RAM it runs in.
        KernelFile file = KernelFile.open(r.kernel(), ramBytes(r.memoryMap()));
        if (KernelFormat.detect(file.contents()) == KernelFormat.MULTIBOOT) {
            MultibootHeader h = MultibootHeader.find(file.contents()).orElseThrow();
            return MultibootPlan.layout(r, file, h, new Placer(allowed(r.memoryMap(), null)));
        }
        if (!r.modules().isEmpty()) {
            throw new ImageFormatException("module", r.modules().getFirst().string(), "boot modules are for Multiboot "
                    + "kernels; a Linux kernel takes an initrd");
        }
        KernelImage kernel = KernelImage.parse(file.contents(), r.decompress(), r.randomizes() ? r.kaslr() : null,
                r.type() == dev.jkexec.image.ImageType.DEFAULT);
        kernel.checkEntry(r.entryMode());
        if (r.entryMode() == EntryMode.BIT16 && r.crash() != null) {
            throw new UnsupportedImageException("entry", "16", "a crash image is not entered in real mode: its setup code "
                    + "runs below 640 KiB, outside the crash region a crash image must stay in (kexec-tools refuses it too); "
                    + "use the 32- or 64-bit entry for the crash kernel");
        }

        CrashEnvironment crash = r.crash();
        Placer placer = new Placer(allowed(r.memoryMap(), crash));
        List<PlannedSegment> segments = new ArrayList<>();
        MemoryMap e820 = r.memoryMap();
        String commandLine = r.commandLine();
        Long backup = null;
        Long coreHeader = null;

        if (crash != null) {
            backup = placer.topDown("backup", ElfCoreHeader.BACKUP_SIZE, Placer.PAGE, 0, Long.MAX_VALUE);
            segments.add(new PlannedSegment("backup", backup, ElfCoreHeader.BACKUP_SIZE,
                    MemorySegment.ofArray(new byte[(int) ElfCoreHeader.BACKUP_SIZE])));
            // Room for the header the machine rewrites at crash time (kernel-text load, direct-map vaddrs).
            byte[] header = ElfCoreHeader.encode(crash, backup);
            long room = Placer.pageAlign(ElfCoreHeader.capacity(crash));
            coreHeader = placer.topDown("elfcorehdr", room, Placer.PAGE, 0, Long.MAX_VALUE);
            segments.add(new PlannedSegment("elfcorehdr", coreHeader, room, MemorySegment.ofArray(header)));
            e820 = CrashMemoryMap.build(r.memoryMap(), crash.crashRegion(), List.of(
                    new MemoryRange(backup, ElfCoreHeader.BACKUP_SIZE, E820Type.RESERVED),
                    new MemoryRange(coreHeader, room, E820Type.RESERVED)));
            // Prefixed, as the kernel's kexec_file loader does: after a " -- " it would go to init.
            commandLine = "elfcorehdr=0x" + Long.toHexString(coreHeader) + (commandLine.isEmpty() ? "" : " " + commandLine);
        }

        if (crash != null && kernel instanceof BzImageKernel bz && bz.is32BitKernel()
                && crash.crashRegion().start() + bz.image().header().initSize() > bz.lowmemLimit()) {
            throw new PlacementException("kernel", String.format("a 32-bit crash kernel runs in its lowmem, below 0x%x, "
                    + "and this machine's crash region starts at 0x%x, above it: give the machine at most %d MiB of guest RAM "
                    + "(--ram), so that the crash region lies in the crash kernel's reach", bz.lowmemLimit(),
                    crash.crashRegion().start(), (bz.lowmemLimit() - Placer.pageAlign(bz.image().header().initSize()) - (16L << 20)) >> 20 & ~1L));
        }
        // A kernel at a random address goes after the initrd, which keeps its top-down place: the
        // kernel's slot is drawn from the memory left, so it cannot take the initrd's room.
        boolean initrdFirst = kernel instanceof DecompressedKernel d && d.randomizesPhysical();
        KernelImage.Placement k = initrdFirst ? null : kernel.place(placer, r.entryMode());

        Long initrd = null;
        long initrdSize = r.initrd() == null ? 0 : r.initrd().byteSize();
        PlannedSegment initrdSegment = null;
        if (initrdSize > 0) {
            long limit = kernel.initrdLimit(r.entryMode());
            long at = placer.findTopDown(initrdSize, Placer.PAGE, INITRD_MIN, limit);
            if (at >= 0) {
                placer.fixed("initrd", at, initrdSize);
                initrd = at;
            } else {
                initrd = placer.topDown("initrd", initrdSize, Placer.PAGE, INITRD_FALLBACK_MIN, limit);
            }
            initrdSegment = new PlannedSegment("initrd", initrd, Placer.pageAlign(initrdSize), r.initrd());
        }
        if (k == null) {
            k = kernel.place(placer, r.entryMode());
        }
        segments.addAll(k.segments());
        if (initrdSegment != null) {
            segments.add(initrdSegment);
        }

        if (r.entryMode() == EntryMode.BIT16) {
            return realMode(r, file, (BzImageKernel) kernel, placer, segments, k, initrd, initrdSize, commandLine);
        }

        SetupSegment setup = new SetupSegment(commandLine, kernel.commandLineLimit(), E820Table.of(e820));
        long setupAt = placer.topDown("setup", setup.size(), Placer.PAGE, LOW_MIN, kernel.setupLimit(r.entryMode()));
        ZeroPageBuilder zeroPage = kernel.zeroPage(r.entryMode());
        SetupSegment.Built built = setup.build(setupAt, zeroPage, initrd, initrdSize, r.acpiRsdp());
        segments.add(new PlannedSegment("setup", setupAt, Placer.pageAlign(setup.size()), built.buffer(), SegmentRole.ZERO_PAGE));

        long purgatoryAt = placer.topDown(ImageLayout.PURGATORY, Purgatory.SIZE, Placer.PAGE, LOW_MIN, FOUR_GIB);
        segments.add(new PlannedSegment(ImageLayout.PURGATORY, purgatoryAt, Purgatory.SIZE, null));
        PurgatoryParams params = crash == null
                ? PurgatoryParams.of(r.entryMode().arch(), purgatoryAt, k.entry(), setupAt)
                : new PurgatoryParams(r.entryMode().arch(), purgatoryAt, k.entry(), setupAt, 0, backup, ElfCoreHeader.BACKUP_SIZE);

        SegmentRules.check(segments, r.memoryMap(), crash == null ? null : crash.crashRegion());
        return new ImageLayout(r.type(), r.entryMode().arch(), BootProtocol.linux(r.entryMode()), file.describe() + kernel.describe(),
                k.load(), k.entry(), k.memsz(), initrd, initrdSize, setupAt, built.commandLineAddress(), commandLine,
                built.fields(), e820, coreHeader, backup, params, segments, r.memoryMap());
    }

    /**
     * The rest of a real-mode (16-bit) entry: the kernel's setup code at 0x90000 with the loader's
     * fields in its header and the command line after its heap ({@link RealModeSetup}), and the
     * purgatory below it, in the low 640 KiB it must run from to drop into real mode. The kernel
     * then builds its boot_params itself, from the BIOS jkexec's firmware provides.
     */
    private static ImageLayout realMode(PlanRequest r, KernelFile file, BzImageKernel kernel, Placer placer,
                                        List<PlannedSegment> segments, KernelImage.Placement k, Long initrd, long initrdSize,
                                        String commandLine) {
        RealModeSetup.Built setup = RealModeSetup.build(kernel.image(), commandLine, k.load(), initrd, initrdSize);
        placer.fixed(setup.segment().what(), setup.segment().destination(), setup.segment().memsz());
        segments.add(setup.segment());
        long purgatoryAt = placer.topDown(ImageLayout.PURGATORY, Purgatory.SIZE, Placer.PAGE, LOW_MIN, RealModeSetup.BASE);
        segments.add(new PlannedSegment(ImageLayout.PURGATORY, purgatoryAt, Purgatory.SIZE, null));
        PurgatoryParams params = PurgatoryParams.of(r.entryMode().arch(), purgatoryAt, RealModeSetup.entry(), RealModeSetup.BASE)
                .withHandoff(PurgatoryParams.Handoff.LINUX_REAL_MODE, RealModeSetup.HEAP_END);
        SegmentRules.check(segments, r.memoryMap(), null);
        return new ImageLayout(r.type(), r.entryMode().arch(), BootProtocol.LINUX_16, file.describe() + kernel.describe(),
                k.load(), RealModeSetup.entry(), k.memsz(), initrd, initrdSize, RealModeSetup.BASE, setup.commandLineAddress(),
                commandLine, setup.fields(), r.memoryMap(), null, null, params, segments, r.memoryMap());
    }

    /** Bytes of RAM in {@code map}: the most a kernel file may decompress to. */
    static long ramBytes(MemoryMap map) {
        return map.ram().stream().mapToLong(MemoryRange::size).sum();
    }

    /** Where segments may go: the crash region for crash images, else RAM minus the legacy window. */
    static List<long[]> allowed(MemoryMap map, CrashEnvironment crash) {
        List<long[]> out = new ArrayList<>();
        List<MemoryRange> ranges = crash != null ? List.of(crash.crashRegion()) : map.ram();
        for (MemoryRange r : ranges) {
            // Cut out 0xA0000-0xFFFFF: QEMU's VGA window and ROM alias never hold data.
            if (r.start() < PcPlatform.LEGACY_WINDOW_START) {
                out.add(new long[] {r.start(), Math.min(r.end(), PcPlatform.LEGACY_WINDOW_START)});
            }
            if (r.end() > PcPlatform.LEGACY_WINDOW_END) {
                out.add(new long[] {Math.max(r.start(), PcPlatform.LEGACY_WINDOW_END), r.end()});
            }
        }
        return out;
    }
}
