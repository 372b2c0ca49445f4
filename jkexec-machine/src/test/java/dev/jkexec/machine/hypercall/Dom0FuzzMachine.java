package dev.jkexec.machine.hypercall;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.ImageDescriptor;
import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.KexecConfig;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentBuffers;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PhysicalMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The machine {@link Dom0HypercallsFuzzTest} calls: a real {@link Kexec} core over 512 KiB of
 * in-memory physical memory behind the {@link KexecVerbs} a machine implements, with a default and
 * a crash image loaded at the start of every run ({@link #reset}), so that unload, exec and a
 * refused load all have something to lose. Layout (the same as jkexec-core's {@code FuzzMachine}):
 *
 * <pre>
 *   0x00000 – 0x3FFFF  guest RAM (default images)     0x60000 – 0x77FFF  staging
 *   0x40000 – 0x5FFFF  crash region                   0x78000 crash notes, 0x79000 VMCOREINFO
 * </pre>
 *
 * The hypercall window is separate memory at guest-physical {@link #WINDOW_BASE}, as on the machine.
 */
final class Dom0FuzzMachine implements KexecVerbs {
    static final long PAGE = 4096;
    static final long SIZE = 0x80000;
    static final long WINDOW_BASE = 0x100000;
    static final int WINDOW_SIZE = 64 << 10;
    static final PhysicalRange RAM = new PhysicalRange(0, 0x40000);
    static final PhysicalRange CRASH = new PhysicalRange(0x40000, 0x20000);
    static final PhysicalRange STAGING = new PhysicalRange(0x60000, 0x18000);
    static final KexecConfig CONFIG = new KexecConfig(CRASH, STAGING,
            List.of(new PhysicalRange(0x78000, 0x400), new PhysicalRange(0x78400, 0x400)),
            new PhysicalRange(0x79000, PAGE), 0x10000, List.of(RAM));
    static final MemoryMap MAP = new MemoryMap(List.of(new MemoryRange(0, 0x40000, E820Type.RAM),
            new MemoryRange(0x40000, 0x40000, E820Type.RESERVED), new MemoryRange(WINDOW_BASE, WINDOW_SIZE, E820Type.RESERVED)));
    static final MemoryMap CRASH_MAP = new MemoryMap(List.of(new MemoryRange(0, 0x40000, E820Type.RAM),
            new MemoryRange(0x40000, 0x20000, E820Type.RAM), new MemoryRange(0x60000, 0x20000, E820Type.RESERVED),
            new MemoryRange(WINDOW_BASE, WINDOW_SIZE, E820Type.RESERVED)));
    static final Dom0Hypercalls.Facts FACTS = new Dom0Hypercalls.Facts(MAP, CRASH_MAP, 2, SIZE / PAGE, SIZE / PAGE - 1);
    static final KexecImage DEFAULT = new KexecImage(ImageType.DEFAULT, Arch.X86_64, 0x10200,
            List.of(segment(1, 3 * PAGE + 17, 0x10000, 4 * PAGE), segment(2, 100, 0x20000, PAGE)), null);
    static final KexecImage CRASH_IMAGE = new KexecImage(ImageType.CRASH, Arch.X86_64, CRASH.start() + 0x200,
            List.of(segment(3, 2 * PAGE, CRASH.start(), 3 * PAGE)), null);

    final PhysicalMemory memory = PhysicalMemory.ofHeap(SIZE);
    final Kexec kexec;
    final MemorySegment afterLoads;
    final Optional<ImageInfo> defaultInfo;
    final Optional<ImageInfo> crashInfo;
    final List<HandoverPlan> handedOver = new ArrayList<>();

    Dom0FuzzMachine() {
        byte[] pattern = new byte[(int) SIZE];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 + (i >>> 12));
        }
        MemorySegment.copy(MemorySegment.ofArray(pattern), 0, memory.segment(), 0, SIZE);
        kexec = new Kexec(CONFIG, memory);
        kexec.load(DEFAULT);
        kexec.load(CRASH_IMAGE);
        afterLoads = MemorySegment.ofArray(memory.segment().toArray(ValueLayout.JAVA_BYTE));
        defaultInfo = kexec.image(ImageType.DEFAULT);
        crashInfo = kexec.image(ImageType.CRASH);
    }

    /** Back to the starting state, cheaply (one machine serves every execution). */
    void reset() {
        handedOver.clear();
        if (!kexec.image(ImageType.DEFAULT).equals(defaultInfo)) {
            kexec.load(DEFAULT);
        }
        if (kexec.crashKernelRunning()) {
            kexec.exec(ImageType.DEFAULT, plan -> { }); // ends the crash kernel's frozen slot, as on the machine
        }
        if (!memoryIntact()) {
            MemorySegment.copy(afterLoads, 0, memory.segment(), 0, SIZE);
        }
        if (!kexec.image(ImageType.CRASH).equals(crashInfo)) {
            kexec.load(CRASH_IMAGE);
        }
        check(memoryIntact() && !kexec.crashKernelRunning() && kexec.image(ImageType.DEFAULT).equals(defaultInfo)
                && kexec.image(ImageType.CRASH).equals(crashInfo), "the fuzz machine did not reset");
    }

    boolean slotsIntact() {
        return kexec.image(ImageType.DEFAULT).equals(defaultInfo) && kexec.image(ImageType.CRASH).equals(crashInfo);
    }

    boolean memoryIntact() {
        return memory.segment().mismatch(afterLoads) == -1;
    }

    @Override
    public PhysicalRange getRange(int range, int nr) {
        return kexec.getRange(range, nr);
    }

    @Override
    public void load(ImageDescriptor image, SegmentBuffers buffers) {
        kexec.load(image, buffers);
    }

    @Override
    public void loadV1(int type, long indirectionPage, long entry, PhysicalMemory frames) {
        kexec.loadV1(type, indirectionPage, entry, frames);
    }

    @Override
    public void unload(ImageType type) {
        kexec.unload(type);
    }

    @Override
    public boolean status(ImageType type) {
        return kexec.status(type);
    }

    @Override
    public void exec(ImageType type) {
        kexec.exec(type, handedOver::add);
    }

    private static KexecSegment segment(long seed, long size, long dest, long destSize) {
        byte[] b = new byte[Math.toIntExact(size)];
        new Random(seed).nextBytes(b);
        return new KexecSegment(MemorySegment.ofArray(b), dest, destSize, "seg" + seed);
    }
}
