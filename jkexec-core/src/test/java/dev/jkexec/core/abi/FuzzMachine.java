package dev.jkexec.core.abi;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.HandoverTarget;
import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.KexecConfig;
import dev.jkexec.core.kexec.PageListWalker;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentDescriptor;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.platform.PhysicalMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The machine the {@code kexec_op} fuzz target runs on: a real {@link Kexec} core over 512 KiB of
 * in-memory physical memory, small enough that every execution can reset it, compare it and walk
 * what exec staged. Layout:
 *
 * <pre>
 *   0x00000 – 0x3FFFF  guest RAM: where default images may load (loadable)
 *   0x40000 – 0x5FFFF  crash region
 *   0x60000 – 0x77FFF  staging (source pages and page lists of exec)
 *   0x78000            two crash note slots; 0x79000 VMCOREINFO
 * </pre>
 *
 * Default images are limited to 64 KiB. Each run starts from the same state ({@link #reset}):
 * memory as {@link #PRISTINE} plus what the loads wrote, a default and a crash image loaded (so
 * that unload, exec and a refused load all have something to lose).
 */
final class FuzzMachine {
    static final long PAGE = 4096;
    static final long SIZE = 0x80000;
    static final PhysicalRange RAM = new PhysicalRange(0, 0x40000);
    static final PhysicalRange CRASH = new PhysicalRange(0x40000, 0x20000);
    static final PhysicalRange STAGING = new PhysicalRange(0x60000, 0x18000);
    static final KexecConfig CONFIG = new KexecConfig(CRASH, STAGING,
            List.of(new PhysicalRange(0x78000, 0x400), new PhysicalRange(0x78400, 0x400)),
            new PhysicalRange(0x79000, PAGE), 0x10000, List.of(RAM));
    /** The memory every run starts from: a recognisable pattern, so that stray writes show. */
    static final byte[] PRISTINE = pattern();
    static final KexecImage DEFAULT = new KexecImage(ImageType.DEFAULT, Arch.X86_64, 0x10200,
            List.of(segment(1, 3 * PAGE + 17, 0x10000, 4 * PAGE), segment(2, 100, 0x20000, PAGE)), null);
    static final KexecImage CRASH_IMAGE = new KexecImage(ImageType.CRASH, Arch.X86_64, CRASH.start() + 0x200,
            List.of(segment(3, 2 * PAGE, CRASH.start(), 3 * PAGE), new KexecSegment(null, 0, 0x40000, "low")), null);

    final PhysicalMemory memory = PhysicalMemory.ofHeap(SIZE);
    final Kexec kexec;
    /** Memory right after the two loads: what every run starts from. */
    final MemorySegment afterLoads;
    final Optional<ImageInfo> defaultInfo;
    final Optional<ImageInfo> crashInfo;
    /** Plans handed over by exec in this run, each checked by {@link #target}. */
    final List<HandoverPlan> handedOver = new ArrayList<>();

    FuzzMachine() {
        MemorySegment.copy(MemorySegment.ofArray(PRISTINE), 0, memory.segment(), 0, SIZE);
        kexec = new Kexec(CONFIG, memory);
        kexec.load(DEFAULT);
        kexec.load(CRASH_IMAGE);
        afterLoads = MemorySegment.ofArray(memory.segment().toArray(ValueLayout.JAVA_BYTE));
        defaultInfo = kexec.image(ImageType.DEFAULT);
        crashInfo = kexec.image(ImageType.CRASH);
    }

    /**
     * Puts the machine back in its starting state, cheaply: one machine serves every execution of
     * a fuzzing run (a fresh core per input would spend the run allocating and freeing held images).
     */
    void reset() {
        handedOver.clear();
        if (!kexec.image(ImageType.DEFAULT).equals(defaultInfo)) {
            kexec.load(DEFAULT);
        }
        if (kexec.crashKernelRunning()) {
            // A crash exec froze the crash slot (the crash kernel runs over it): a default exec is
            // what ends that, as on the machine; it drops the crash slot, reloaded below.
            kexec.exec(ImageType.DEFAULT, plan -> { });
        }
        if (!memoryIntact()) {
            MemorySegment.copy(afterLoads, 0, memory.segment(), 0, SIZE);
        }
        if (!kexec.image(ImageType.CRASH).equals(crashInfo)) {
            kexec.load(CRASH_IMAGE); // writes the same bytes afterLoads holds
        }
        check(memoryIntact() && !kexec.crashKernelRunning() && kexec.image(ImageType.DEFAULT).equals(defaultInfo)
                && kexec.image(ImageType.CRASH).equals(crashInfo), "the fuzz machine did not reset");
    }

    /** Whether memory is byte-identical to what it was after the two loads. */
    boolean memoryIntact() {
        return memory.segment().mismatch(afterLoads) == -1;
    }

    /**
     * The handover target: checks what exec hands over. Default: walking the staged page list
     * (Xen's {@code kexec_reloc}, as the firmware does) on a copy of memory writes exactly the
     * image's bytes — buffers, then zeros to {@code dest_size} — at every destination. Crash: the
     * in-place ranges are the buffered destinations, all inside the crash region.
     */
    HandoverTarget target(List<byte[]> buffers) {
        return plan -> {
            handedOver.add(plan);
            if (plan.type() == ImageType.DEFAULT) {
                PhysicalMemory copy = PhysicalMemory.ofHeap(SIZE);
                MemorySegment.copy(memory.segment(), 0, copy.segment(), 0, SIZE);
                PageListWalker.walk(copy, plan.pageListHead());
                List<SegmentDescriptor> segs = plan.segments();
                for (int i = 0; i < segs.size(); i++) {
                    SegmentDescriptor s = segs.get(i);
                    if (!s.buffered() || s.destSize() == 0) {
                        continue; // nothing to copy (the rules let a zero-sized destination lie anywhere)
                    }
                    byte[] expected = Arrays.copyOf(buffers.get(i), Math.toIntExact(s.destSize()));
                    byte[] actual = copy.read(s.dest(), Math.toIntExact(s.destSize()));
                    dev.jkexec.platform.testing.fuzz.Hostile.sameBytes(expected, actual, "segment " + i + " after the relocation walk");
                }
            } else {
                for (PhysicalRange r : plan.inPlaceRanges()) {
                    check(CRASH.contains(r), "crash image range " + r + " outside the crash region");
                }
            }
        };
    }

    /** The buffers of the pre-loaded image of {@code type}. */
    static List<byte[]> buffers(KexecImage image) {
        List<byte[]> out = new ArrayList<>();
        for (KexecSegment s : image.segments()) {
            out.add(s.buffer() == null ? null : s.buffer().toArray(ValueLayout.JAVA_BYTE));
        }
        return out;
    }

    private static KexecSegment segment(long seed, long size, long dest, long destSize) {
        byte[] b = new byte[Math.toIntExact(size)];
        new Random(seed).nextBytes(b);
        return new KexecSegment(MemorySegment.ofArray(b), dest, destSize, "seg" + seed);
    }

    private static byte[] pattern() {
        byte[] b = new byte[(int) SIZE];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i * 31 + (i >>> 12));
        }
        return b;
    }
}
