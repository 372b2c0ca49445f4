package dev.jkexec.image.plan;

import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.boot.E820Table;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.crash.CrashMemoryMap;
import dev.jkexec.image.crash.ElfCoreHeader;
import dev.jkexec.image.purgatory.Purgatory;
import dev.jkexec.image.purgatory.PurgatoryParams;
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
 *   <li>parse the kernel (ELF magic first, else bzImage; anything else is a typed error);
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
        KernelImage kernel = KernelImage.parse(r.kernel(), r.decompress());
        kernel.checkEntry(r.entryMode());

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

        KernelImage.Placement k = kernel.place(placer, r.entryMode());
        segments.addAll(k.segments());

        Long initrd = null;
        long initrdSize = r.initrd() == null ? 0 : r.initrd().byteSize();
        if (initrdSize > 0) {
            long limit = kernel.initrdLimit(r.entryMode());
            long at = placer.findTopDown(initrdSize, Placer.PAGE, INITRD_MIN, limit);
            if (at >= 0) {
                placer.fixed("initrd", at, initrdSize);
                initrd = at;
            } else {
                initrd = placer.topDown("initrd", initrdSize, Placer.PAGE, INITRD_FALLBACK_MIN, limit);
            }
            segments.add(new PlannedSegment("initrd", initrd, Placer.pageAlign(initrdSize), r.initrd()));
        }

        SetupSegment setup = new SetupSegment(commandLine, kernel.commandLineLimit(), E820Table.of(e820));
        long setupAt = placer.topDown("setup", setup.size(), Placer.PAGE, LOW_MIN, kernel.setupLimit(r.entryMode()));
        ZeroPageBuilder zeroPage = kernel.zeroPage(r.entryMode());
        SetupSegment.Built built = setup.build(setupAt, zeroPage, initrd, initrdSize, r.acpiRsdp());
        segments.add(new PlannedSegment("setup", setupAt, Placer.pageAlign(setup.size()), built.buffer()));

        long purgatoryAt = placer.topDown(ImageLayout.PURGATORY, Purgatory.SIZE, Placer.PAGE, LOW_MIN, FOUR_GIB);
        segments.add(new PlannedSegment(ImageLayout.PURGATORY, purgatoryAt, Purgatory.SIZE, null));
        PurgatoryParams params = crash == null
                ? PurgatoryParams.of(r.entryMode().arch(), purgatoryAt, k.entry(), setupAt)
                : new PurgatoryParams(r.entryMode().arch(), purgatoryAt, k.entry(), setupAt, 0, backup, ElfCoreHeader.BACKUP_SIZE);

        SegmentRules.check(segments, r.memoryMap(), crash == null ? null : crash.crashRegion());
        return new ImageLayout(r.type(), r.entryMode().arch(), kernel.describe(), k.load(), k.entry(), k.memsz(),
                initrd, initrdSize, setupAt, built.commandLineAddress(), commandLine, built.fields(), e820,
                coreHeader, backup, params, segments, r.memoryMap());
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
