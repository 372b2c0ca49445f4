package dev.jkexec.core.kexec;

import java.util.List;

/**
 * An image in a slot. Two kinds, by where the bytes live (spec §3.1 step 9):
 * <ul>
 *   <li>{@link HeldImage} (default images): jkexec's own off-heap copy, outside guest memory;
 *       staged into the staging range only at exec.</li>
 *   <li>{@link CrashRegionImage} (crash images): written at load into the crash region of
 *       physical memory, at their destinations; nothing else is kept.</li>
 * </ul>
 * Both keep the {@link ImageDigest} taken at load. The owning {@link Kexec} closes an image when
 * it leaves its slot; every access happens under the {@link Kexec} lock.
 */
sealed interface LoadedImage extends AutoCloseable permits HeldImage, CrashRegionImage {
    /** The numbers of the image, as the rules accepted them. */
    ValidImage image();

    /** The digest taken at load. */
    Sha256 sha256();

    /** Ranges the image needs identity mapped besides its segments (v1: the low 1 MiB). */
    List<PhysicalRange> extraMappings();

    /** Whether it came from the v1 load op. */
    boolean v1();

    /** The digest of the image's bytes as they are now. */
    Sha256 digestNow();

    /** Frees what the image holds; the crash region is left as it is (Xen does not scrub it either). */
    @Override
    void close();
}
