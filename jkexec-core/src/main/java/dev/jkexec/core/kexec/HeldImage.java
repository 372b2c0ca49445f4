package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.EIO;
import static dev.jkexec.core.Errno.ENOMEM;

import dev.jkexec.core.KexecException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A default image: its buffers copied into one off-heap block that jkexec owns, outside guest
 * memory (Xen keeps them in Xen heap pages, spec §3.1 step 9), and the SHA-256 of those bytes.
 *
 * <p>Ownership: the block belongs to this object, from load until {@link #close} (unload or
 * replacement); nobody else holds a reference, so the guest cannot reach it. A successful exec
 * copies it into staging pages and keeps it: the image stays loaded. The block size was limited
 * by {@link ImageRules#defaultImageSize} before it was allocated.
 *
 * <p>Two ways to make one. {@link #copyOf} holds the bytes before it returns (every load).
 * {@link #inBackground} — the first boot only, whose image was written to its destinations from
 * the host's own buffers — returns at once; once the vCPUs run ({@link #startHolding}), it makes
 * the copy and its digest on a thread of its own, reading those host buffers (never guest RAM, which the new kernel rewrites as it runs).
 * Everything that needs the held bytes or the digest ({@link #buffer}, {@link #sha256},
 * {@link #digestNow}) waits for that work and throws its failure (-ENOMEM when the block cannot
 * be allocated); {@link #close} waits for it before it frees the block. The digest is taken once,
 * while the bytes are copied, chunk by chunk from the block just written (still in cache).
 */
final class HeldImage implements LoadedImage {
    /** Bytes copied, then hashed, at a time: small enough to hash from cache. */
    private static final long CHUNK = 1 << 20;

    private final ValidImage image;
    private final CompletableFuture<Held> held;
    private final List<PhysicalRange> extraMappings;
    private final boolean v1;
    /** The buffers of an {@link #inBackground} image until {@link #startHolding} hands them to its thread. */
    private MemorySegment[] from;

    /** The block, each segment's read-only slice of it ({@code null}: mapping-only), their digest. */
    private record Held(Arena arena, MemorySegment[] buffers, Sha256 sha256) {
    }

    private HeldImage(ValidImage image, CompletableFuture<Held> held, List<PhysicalRange> extraMappings, boolean v1) {
        this.image = image;
        this.held = held;
        this.extraMappings = List.copyOf(extraMappings);
        this.v1 = v1;
    }

    /**
     * Copies the buffers of {@code image} and takes their digest before it returns. Every buffer is
     * fetched (and so bounds checked) before the block is allocated.
     */
    static HeldImage copyOf(ValidImage image, SegmentBuffers source, List<PhysicalRange> extraMappings, boolean v1) {
        MemorySegment[] from = Buffers.fetch(image, source);
        return new HeldImage(image, CompletableFuture.completedFuture(hold(image, from)), extraMappings, v1);
    }

    /**
     * The held copy of {@code image}, to be made from {@code from} (fetched by {@link Buffers#fetch})
     * on a daemon thread once {@link #startHolding} is called: the caller goes on at once.
     * {@code from} must be host memory that nobody changes until the copy is done (a toolstack
     * image's buffers), never guest memory. {@link #startHolding} must follow, or {@link #close}
     * would wait for ever.
     */
    static HeldImage inBackground(ValidImage image, MemorySegment[] from, List<PhysicalRange> extraMappings, boolean v1) {
        HeldImage pending = new HeldImage(image, new CompletableFuture<>(), extraMappings, v1);
        pending.from = from;
        return pending;
    }

    /**
     * Starts the background copy of an {@link #inBackground} image (once; later calls do nothing).
     * A thread that cannot be started fails the copy, as everything else would.
     */
    synchronized void startHolding() {
        MemorySegment[] source = from;
        if (source == null) {
            return;
        }
        from = null;
        try {
            Thread.ofPlatform().daemon().name("jkexec-held-copy").start(() -> {
                try {
                    held.complete(hold(image, source));
                } catch (RuntimeException | Error e) {
                    held.completeExceptionally(failure(e));
                }
            });
        } catch (RuntimeException | Error e) {
            held.completeExceptionally(failure(e));
        }
    }

    /** A background copy's failure as what needs the copy reports it: -ENOMEM as it was, anything else -EIO. */
    private static KexecException failure(Throwable e) {
        if (e instanceof KexecException k) {
            return k;
        }
        KexecException k = new KexecException(EIO, "segments", "the held copy of the default image failed: " + e);
        k.initCause(e);
        return k;
    }

    /** Allocates the block, copies every buffer into it and hashes it as it goes. */
    private static Held hold(ValidImage image, MemorySegment[] from) {
        List<SegmentDescriptor> segs = image.segments();
        long total = 0;
        for (SegmentDescriptor s : segs) {
            total += s.copiedBytes();
        }
        Arena arena = Arena.ofShared();
        MemorySegment block;
        try {
            block = arena.allocate(Math.max(total, 1), KexecConfig.PAGE_SIZE);
        } catch (OutOfMemoryError e) {
            arena.close();
            KexecException refused = new KexecException(ENOMEM, "segments", "cannot hold 0x" + Long.toHexString(total)
                    + " bytes of default image");
            refused.initCause(e);
            throw refused;
        }
        dev.jkexec.platform.BootProfile.mark("held image: block allocated (" + (total >> 20) + " MiB)");
        try {
            MemorySegment[] held = new MemorySegment[segs.size()];
            ImageDigest digest = new ImageDigest();
            long at = 0;
            for (int i = 0; i < segs.size(); i++) {
                SegmentDescriptor s = segs.get(i);
                if (from[i] != null) {
                    long n = from[i].byteSize();
                    for (long done = 0; done < n; done += CHUNK) {
                        long len = Math.min(CHUNK, n - done);
                        MemorySegment.copy(from[i], done, block, at + done, len);
                        digest.update(block.asSlice(at + done, len));
                    }
                    digest.updateZeros(s.destSize() - s.bufSize());
                    held[i] = block.asSlice(at, n).asReadOnly();
                    at += n;
                }
            }
            dev.jkexec.platform.BootProfile.mark("held image: copied and hashed (SHA-256)");
            return new Held(arena, held, digest.finish());
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The held copy, once made; its failure as the {@link KexecException} it was. */
    private Held held() {
        try {
            return held.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Whether the held copy and digest are made (or failed): nothing would wait for them. */
    boolean settled() {
        return held.isDone();
    }

    /** The held bytes of segment {@code index}, or {@code null} for a mapping-only segment. */
    MemorySegment buffer(int index) {
        return held().buffers()[index];
    }

    @Override
    public ValidImage image() {
        return image;
    }

    @Override
    public Sha256 sha256() {
        return held().sha256();
    }

    /** The digest as the first boot's plan carries it: known once the background copy is done. */
    CompletableFuture<Sha256> digest() {
        return held.thenApply(Held::sha256);
    }

    @Override
    public List<PhysicalRange> extraMappings() {
        return extraMappings;
    }

    @Override
    public boolean v1() {
        return v1;
    }

    @Override
    public Sha256 digestNow() {
        MemorySegment[] buffers = held().buffers();
        ImageDigest d = new ImageDigest();
        List<SegmentDescriptor> segs = image.segments();
        for (int i = 0; i < segs.size(); i++) {
            SegmentDescriptor s = segs.get(i);
            if (s.buffered()) {
                d.update(buffers[i]).updateZeros(s.destSize() - s.bufSize());
            }
        }
        return d.finish();
    }

    /** Frees the block, after the background copy (if any) is done with it. */
    @Override
    public void close() {
        Held h;
        try {
            h = held.join();
        } catch (CompletionException failed) {
            return; // nothing was kept: the failed copy closed its own arena
        }
        h.arena().close();
    }
}
