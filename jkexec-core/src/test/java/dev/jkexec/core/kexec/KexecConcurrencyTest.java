package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.Fixtures.CRASH;
import static dev.jkexec.core.kexec.Fixtures.MIB;
import static dev.jkexec.core.kexec.Fixtures.PAGE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Threads load, unload, query and exec at random. Every image carries a signature: each of its
 * segments starts with the image's seed and is filled from it, so a half-loaded image (segments of
 * two loads) or a torn page list would show mixed or wrong bytes. Each handover checks that what
 * the image puts in memory is exactly one signed image, and that its digest is that image's.
 */
@Pure
class KexecConcurrencyTest {
    private static final int THREADS = 4;
    private static final int OPS = 400;

    static KexecImage signed(ImageType type, long seed) {
        long base = type == ImageType.CRASH ? CRASH.start() : 2 * MIB;
        List<KexecSegment> segs = new ArrayList<>();
        Random r = new Random(seed);
        for (int i = 0; i < 3; i++) {
            int size = 8 + r.nextInt(5 * (int) PAGE);
            byte[] data = Fixtures.bytes(seed * 31 + i, size);
            MemorySegment.ofArray(data).set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, seed);
            segs.add(new KexecSegment(MemorySegment.ofArray(data), base + i * 8 * PAGE, 6 * PAGE, "s" + i));
        }
        return new KexecImage(type, dev.jkexec.image.Arch.X86_64, base, segs, null);
    }

    /** The one image whose signature the destinations carry; fails if they carry parts of several. */
    static void assertOneSignedImage(PhysicalMemory memory, ImageType type, Sha256 digest) {
        long base = type == ImageType.CRASH ? CRASH.start() : 2 * MIB;
        long seed = memory.readLong(base);
        KexecImage expected = signed(type, seed);
        Fixtures.assertLoaded(memory, expected);
        assertThat(digest).isEqualTo(Fixtures.expectedDigest(expected));
    }

    /** After a crash handover the crash slot is frozen until a default exec: only crash operations may get -EBUSY. */
    static void frozenIsEbusy(ImageType type, Runnable op) {
        try {
            op.run();
        } catch (KexecException e) {
            assertThat(type).isEqualTo(ImageType.CRASH);
            assertThat(e.errno()).isEqualTo(Errno.EBUSY);
        }
    }

    @Test
    void random_operations_never_expose_a_half_loaded_image() throws Exception {
        Kexec kexec = Fixtures.kexec();
        PhysicalMemory memory = kexec.memory();
        AtomicInteger handovers = new AtomicInteger();
        AtomicInteger seeds = new AtomicInteger(1);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        List<Callable<Void>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long threadSeed = t;
            workers.add(() -> {
                Random r = new Random(threadSeed);
                for (int op = 0; op < OPS; op++) {
                    ImageType type = r.nextBoolean() ? ImageType.DEFAULT : ImageType.CRASH;
                    switch (r.nextInt(6)) {
                        case 0, 1 -> frozenIsEbusy(type, () -> kexec.load(signed(type, seeds.getAndIncrement())));
                        case 2 -> frozenIsEbusy(type, () -> kexec.unload(type));
                        case 3 -> kexec.status(type);
                        default -> {
                            try {
                                kexec.exec(type, plan -> {
                                    if (plan.relocates()) {
                                        PageListWalker.walk(memory, plan.pageListHead());
                                    }
                                    assertOneSignedImage(memory, type, plan.sha256());
                                    handovers.incrementAndGet();
                                });
                            } catch (KexecException e) {
                                assertThat(e.errno()).isIn(Errno.ENOENT, type == ImageType.CRASH ? Errno.EBUSY : Errno.ENOENT);
                            }
                        }
                    }
                }
                return null;
            });
        }
        List<Future<Void>> results = pool.invokeAll(workers, 60, TimeUnit.SECONDS);
        pool.shutdown();
        for (Future<Void> f : results) {
            f.get();
        }
        assertThat(handovers.get()).isGreaterThan(50);
        kexec.close();
    }
}
