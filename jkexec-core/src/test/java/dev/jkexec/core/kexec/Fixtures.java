package dev.jkexec.core.kexec;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A small test machine: 32 MiB of memory; crash region 16–24 MiB; staging 24–28 MiB; two crash
 * note slots and VMCOREINFO at 28 MiB. Images are built from seeded random bytes.
 */
final class Fixtures {
    static final long PAGE = 4096;
    static final long MIB = 1 << 20;
    static final long MEMORY = 32 * MIB;
    static final PhysicalRange CRASH = new PhysicalRange(16 * MIB, 8 * MIB);
    static final PhysicalRange STAGING = new PhysicalRange(24 * MIB, 4 * MIB);
    static final long NOTES = 28 * MIB;
    static final PhysicalRange VMCOREINFO = new PhysicalRange(28 * MIB + 0x10000, 4096);

    private Fixtures() {
    }

    static KexecConfig config() {
        return new KexecConfig(CRASH, STAGING,
                List.of(new PhysicalRange(NOTES, 0x400), new PhysicalRange(NOTES + 0x400, 0x400)),
                VMCOREINFO, STAGING.size());
    }

    static PhysicalMemory memory() {
        return PhysicalMemory.ofHeap(MEMORY);
    }

    static Kexec kexec() {
        return new Kexec(config(), memory());
    }

    static byte[] bytes(long seed, int size) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static KexecSegment seg(long seed, long bufSize, long dest, long destSize) {
        return new KexecSegment(MemorySegment.ofArray(bytes(seed, Math.toIntExact(bufSize))), dest, destSize, "seg" + seed);
    }

    static KexecSegment mapping(long dest, long destSize) {
        return new KexecSegment(null, dest, destSize, "mapping");
    }

    static KexecImage image(ImageType type, long entry, KexecSegment... segments) {
        return new KexecImage(type, Arch.X86_64, entry, List.of(segments), null);
    }

    /** A two-segment crash image inside {@link #CRASH} plus a low mapping-only segment. */
    static KexecImage crashImage(long seed) {
        return image(ImageType.CRASH, CRASH.start() + 0x1000,
                seg(seed, 3 * 4096 + 100, CRASH.start(), 5 * PAGE),
                seg(seed + 1, 4096, CRASH.start() + 64 * PAGE, 2 * PAGE),
                mapping(0, MIB));
    }

    /** A three-segment default image in low memory. */
    static KexecImage defaultImage(long seed) {
        return image(ImageType.DEFAULT, 2 * MIB + 0x200,
                seg(seed, 10 * 4096 + 7, 2 * MIB, 12 * PAGE),
                seg(seed + 1, 0, 4 * MIB, 2 * PAGE),
                seg(seed + 2, 5000, 8 * MIB, 2 * PAGE));
    }

    /** The digest of an image computed independently of the code under test: concatenated destination contents. */
    static Sha256 expectedDigest(KexecImage image) {
        List<byte[]> parts = new ArrayList<>();
        for (KexecSegment s : image.segments()) {
            if (s.buffer() != null) {
                byte[] content = new byte[(int) s.destinationSize()];
                MemorySegment.copy(s.buffer(), 0, MemorySegment.ofArray(content), 0, s.bufferSize());
                parts.add(content);
            }
        }
        try {
            var md = java.security.MessageDigest.getInstance("SHA-256");
            parts.forEach(md::update);
            return new Sha256(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Whether physical memory at each buffered segment holds its buffer followed by zeros. */
    static void assertLoaded(PhysicalMemory memory, KexecImage image) {
        for (KexecSegment s : image.segments()) {
            if (s.buffer() == null) {
                continue;
            }
            MemorySegment at = memory.slice(s.destination(), s.destinationSize());
            long diff = at.asSlice(0, s.bufferSize()).mismatch(s.buffer());
            if (diff != -1) {
                throw new AssertionError(s.what() + ": byte " + diff + " differs from the buffer");
            }
            MemorySegment tail = at.asSlice(s.bufferSize());
            long nonZero = tail.mismatch(MemorySegment.ofArray(new byte[(int) tail.byteSize()]));
            if (nonZero != -1) {
                throw new AssertionError(s.what() + ": tail byte " + nonZero + " is not zero");
            }
        }
    }
}
