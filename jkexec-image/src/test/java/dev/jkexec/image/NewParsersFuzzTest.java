package dev.jkexec.image;

import dev.jkexec.image.bzimage.ZstdFrameHeader;
import dev.jkexec.image.multiboot.MultibootHeader;
import dev.jkexec.image.multiboot.MultibootInfo;
import dev.jkexec.image.multiboot.MultibootTestKernel;
import dev.jkexec.image.plan.KexecPlanner;
import dev.jkexec.image.plan.PlanRequest;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.image.testing.Payloads;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * The parsers this issue added, on mutated input: a zstd frame header, a whole-file compressed
 * kernel, a Multiboot kernel and its information structure either parse or fail with a typed
 * {@link ImageFormatException} (never another exception, never an OutOfMemoryError).
 */
@Pure
class NewParsersFuzzTest {
    static final byte[] ZSTD = Payloads.zstdLong(new byte[50_000], 27);
    static final byte[] GZ_KERNEL = dev.jkexec.image.plan.KernelFileTest.compress(dev.jkexec.image.bzimage.Compression.GZIP, dev.jkexec.image.plan.KernelFileTest.KERNEL);
    static final byte[] MBTEST = MultibootTestKernel.build();
    static final byte[] MBI;

    static {
        MultibootInfo i = new MultibootInfo("k a", "jkexec", 636, 1000, Maps.guest1G().ranges(),
                List.of(new MultibootInfo.Module(0x200000, 0x201000, "m")));
        MBI = i.encode(0x1000);
    }

    static byte[] mutate(byte[] base, int[] positions, byte[] values, int window) {
        byte[] b = base.clone();
        for (int i = 0; i < positions.length; i++) {
            b[Math.floorMod(positions[i], Math.min(window, b.length))] = values[i % values.length];
        }
        return b;
    }

    @Property(tries = 400)
    void zstdFrameHeaders(@ForAll @Size(min = 1, max = 6) int[] at, @ForAll @Size(min = 6, max = 6) byte[] v) {
        try {
            ZstdFrameHeader.parse(MemorySegment.ofArray(mutate(ZSTD, at, v, 24)));
        } catch (ImageFormatException expected) {
            // typed
        }
    }

    @Property(tries = 200)
    void compressedKernelFiles(@ForAll @Size(min = 1, max = 8) int[] at, @ForAll @Size(min = 8, max = 8) byte[] v) {
        try {
            dev.jkexec.image.plan.KernelFile.open(MemorySegment.ofArray(mutate(GZ_KERNEL, at, v, Integer.MAX_VALUE)), 1 << 20);
        } catch (ImageFormatException expected) {
            // typed
        }
    }

    @Property(tries = 300)
    void multibootKernels(@ForAll @Size(min = 1, max = 6) int[] at, @ForAll @Size(min = 6, max = 6) byte[] v,
                          @ForAll @IntRange(min = 0, max = 3) int modules) {
        byte[] k = mutate(MBTEST, at, v, 0x40);
        PlanRequest.Builder r = PlanRequest.builder(k, Maps.guest1G()).commandLine("k");
        for (int i = 0; i < modules; i++) {
            r.module(MemorySegment.ofArray(new byte[100 * i]), "m" + i);
        }
        try {
            MultibootHeader.find(MemorySegment.ofArray(k));
            new KexecPlanner(p -> new byte[16]).plan(r.build());
        } catch (ImageFormatException | dev.jkexec.image.plan.PlacementException expected) {
            // typed
        }
    }

    @Property(tries = 400)
    void multibootInformation(@ForAll @Size(min = 1, max = 8) int[] at, @ForAll @Size(min = 8, max = 8) byte[] v) {
        byte[] memory = new byte[0x4000];
        byte[] mbi = mutate(MBI, at, v, MBI.length);
        System.arraycopy(mbi, 0, memory, 0x1000, mbi.length);
        try {
            MultibootInfo.decode(MemorySegment.ofArray(memory), 0x1000);
        } catch (ImageFormatException expected) {
            // typed
        }
    }
}
