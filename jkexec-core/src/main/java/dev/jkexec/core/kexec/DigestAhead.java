package dev.jkexec.core.kexec;

import dev.jkexec.platform.BootProfile;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The digest of one loaded image, taken on its own thread while the caller does other work before
 * the exec that checks it ({@link Kexec#digestAhead}): the crash path captures the vCPUs and finds
 * the guest's kernel meanwhile, so the hash is off its critical path but still done before the
 * handover. It counts only for the very image it was taken of: exec hashes again if the slot now
 * holds another one, or if the hash failed (an image freed while it was read).
 *
 * <p>For a crash image "the digest" is a byte compare of the crash region with the copy kept at
 * load, answering the load digest when they are equal ({@code CrashRegionImage#digestNow}): a few
 * milliseconds of memory bandwidth, so the thread no longer takes a core from the vCPU capture and
 * the kernel probe for the 40–70 ms of a SHA-256.
 *
 * <p>The caller keeps the image's bytes still between {@link Kexec#digestAhead} and the exec: a
 * crash image lies in guest RAM, so the guest must be stopped before the digest starts.
 */
public final class DigestAhead {
    /** No digest taken: exec hashes the image itself. */
    public static final DigestAhead NONE = new DigestAhead(null, CompletableFuture.completedFuture(null));

    private final LoadedImage image;
    private final CompletableFuture<Sha256> digest;

    private DigestAhead(LoadedImage image, CompletableFuture<Sha256> digest) {
        this.image = image;
        this.digest = digest;
    }

    /** Starts hashing {@code image} as its bytes are now, on a new daemon thread. */
    static DigestAhead start(LoadedImage image) {
        CompletableFuture<Sha256> f = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("jkexec-digest-ahead").start(() -> {
            try {
                Sha256 now = image.digestNow();
                BootProfile.mark("exec: digest taken ahead (crash: region compared)");
                f.complete(now);
            } catch (RuntimeException | Error e) {
                f.completeExceptionally(e);
            }
        });
        return new DigestAhead(image, f);
    }

    /** The digest, when it was taken of {@code li} and completed; {@code null} otherwise (then exec hashes again). */
    Sha256 of(LoadedImage li) {
        if (image == null || image != li) {
            return null;
        }
        try {
            return digest.join();
        } catch (CompletionException e) {
            return null;
        }
    }
}
