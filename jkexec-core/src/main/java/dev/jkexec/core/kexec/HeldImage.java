package dev.jkexec.core.kexec;

import static dev.jkexec.core.Errno.EIO;
import static dev.jkexec.core.Errno.ENOMEM;

import dev.jkexec.core.KexecException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A default image: its bytes kept by jkexec, outside guest memory (Xen keeps them in Xen heap
 * pages, spec §3.1 step 9), and the SHA-256 of those bytes.
 *
 * <p>Two ways to keep them.
 * <ul>
 *   <li>{@link #copyOf} (every load): the buffers are copied into one off-heap block that this
 *       object owns from load until {@link #close} (unload or replacement); nobody else holds a
 *       reference, so the guest cannot reach it. Its size was limited by
 *       {@link ImageRules#defaultImageSize} before it was allocated. The digest is taken as the
 *       bytes are copied, chunk by chunk from the block just written (still in cache).</li>
 *   <li>{@link #borrowing} (the first boot, {@link Kexec#bootFirst}): the toolstack's own
 *       buffers are kept as they are — read-only views of host memory that nobody modifies after
 *       construction ({@link dev.jkexec.image.KexecSegment}), as far from the guest as a copy
 *       would be — so there is nothing to copy. Only their digest is left, taken on a thread of
 *       its own once {@link #startDigest} is called (after the handover); never from guest RAM,
 *       which the new kernel rewrites as it runs. That thread hashes at the first demand for the
 *       digest, or {@link #DIGEST_DELAY_MS} after the handover, whichever comes first: the kernel's
 *       early boot (entry to banner) does not share the host's cores with the hash, and nobody who
 *       needs the digest waits longer for it. Whatever needs it ({@link #sha256},
 *       {@link #digestNow}, so every later exec) waits for it and throws its failure (-EIO); a
 *       later exec re-hashes these bytes as it does a held block's, so a broken promise shows as
 *       a damaged image, never as a wrong kernel.</li>
 * </ul>
 * A successful exec copies the bytes into staging pages and keeps them: the image stays loaded.
 */
final class HeldImage implements LoadedImage {
    /** Bytes copied, then hashed, at a time: small enough to hash from cache. */
    private static final long CHUNK = 1 << 20;
    /**
     * How long after the first boot's handover the background digest waits for a demand before it
     * hashes anyway. Measured (docs/boot-profile.md, "The API after the banner"): on 2 cores under
     * TCG, the 57 MiB hash started at {@code cont} delayed the kernel's banner by ~0.2 s; started
     * 0.5 s later it no longer did. One second covers the banner with room to spare.
     */
    static final long DIGEST_DELAY_MS = 1000;

    private final ValidImage image;
    /** The block of a copy, or {@code null} for borrowed buffers. */
    private final Arena arena;
    /** Each segment's bytes ({@code null}: mapping-only). */
    private final MemorySegment[] buffers;
    private final CompletableFuture<Sha256> sha256;
    private final List<PhysicalRange> extraMappings;
    private final boolean v1;
    /** Whether the digest of borrowed buffers is still to be started. */
    private boolean digestPending;
    /** Released by the first demand for the digest: the background digest stops waiting for its delay. */
    private final CountDownLatch demanded = new CountDownLatch(1);
    /** The memory of borrowed buffers that were a file's mapping, copied by the background digest; or {@code null}. */
    private Arena owned;

    private HeldImage(ValidImage image, Arena arena, MemorySegment[] buffers, CompletableFuture<Sha256> sha256,
            List<PhysicalRange> extraMappings, boolean v1) {
        this.image = image;
        this.arena = arena;
        this.buffers = buffers;
        this.sha256 = sha256;
        this.extraMappings = List.copyOf(extraMappings);
        this.v1 = v1;
    }

    /**
     * Copies the buffers of {@code image} and takes their digest before it returns. Every buffer is
     * fetched (and so bounds checked) before the block is allocated.
     */
    static HeldImage copyOf(ValidImage image, SegmentBuffers source, List<PhysicalRange> extraMappings, boolean v1) {
        MemorySegment[] from = Buffers.fetch(image, source);
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
            throw new KexecException(ENOMEM, "segments", "cannot hold 0x" + Long.toHexString(total) + " bytes of default image");
        }
        dev.jkexec.platform.BootProfile.mark("load: held block allocated (" + (total >> 20) + " MiB)");
        MemorySegment[] held = new MemorySegment[segs.size()];
        ImageDigest digest = new ImageDigest();
        long at = 0;
        try {
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
        } catch (InternalError fault) {
            // A buffer that is a file's mapping, truncated since it was mapped: nothing is kept, the slot untouched.
            arena.close();
            throw dev.jkexec.platform.MappedFiles.faulted(fault, from).map(RuntimeException.class::cast).orElseThrow(() -> fault);
        }
        dev.jkexec.platform.BootProfile.mark("load: image copied into the held block and hashed");
        return new HeldImage(image, arena, held, CompletableFuture.completedFuture(digest.finish()), extraMappings, v1);
    }

    /**
     * Keeps {@code from} (fetched by {@link Buffers#fetch}: read-only host memory that nobody
     * modifies, a toolstack image's buffers, never guest memory) as the image's bytes; their digest
     * is taken once {@link #startDigest} is called, which must follow.
     */
    static HeldImage borrowing(ValidImage image, MemorySegment[] from, List<PhysicalRange> extraMappings, boolean v1) {
        MemorySegment[] kept = new MemorySegment[from.length];
        for (int i = 0; i < from.length; i++) {
            kept[i] = from[i] == null ? null : from[i].asReadOnly();
        }
        HeldImage h = new HeldImage(image, null, kept, new CompletableFuture<>(), extraMappings, v1);
        h.digestPending = true;
        return h;
    }

    /**
     * Starts the daemon thread that takes the digest of borrowed buffers, at the first
     * {@link #demand} or after {@link #DIGEST_DELAY_MS} (once; later calls, and calls for a copy, do
     * nothing). A thread that cannot be started fails the digest, as anything else would.
     */
    synchronized void startDigest() {
        if (!digestPending) {
            return;
        }
        digestPending = false;
        try {
            Thread.ofPlatform().daemon().name("jkexec-image-digest").start(() -> {
                try {
                    boolean asked = demanded.await(DIGEST_DELAY_MS, TimeUnit.MILLISECONDS);
                    dev.jkexec.platform.BootProfile.mark("held image: SHA-256 started (" + (asked ? "demanded" : "after the delay") + ")");
                    ownMappedBuffers();
                    Sha256 d = hash();
                    dev.jkexec.platform.BootProfile.mark("held image: SHA-256 taken (background)");
                    sha256.complete(d);
                } catch (RuntimeException | Error | InterruptedException e) {
                    sha256.completeExceptionally(failure(e));
                }
            });
        } catch (RuntimeException | Error e) {
            sha256.completeExceptionally(failure(e));
        }
    }

    /**
     * Replaces each borrowed buffer that is a file's mapping (the toolstack maps the kernel and the
     * initrd) by a copy of its own, before the digest: the held image then no longer reads a file
     * that may be rewritten or truncated under it (a truncated one faults here, and fails the
     * digest, not a later exec). A file whose identity changed since it was mapped (a rewrite in
     * place: see {@code MappedFiles} for what that check misses) fails the digest too: the copy
     * would not be what booted. Off the boot's path: after the handover, with the digest's delay.
     */
    private void ownMappedBuffers() {
        for (int i = 0; i < buffers.length; i++) {
            MemorySegment b = buffers[i];
            if (b != null && b.isMapped()) {
                synchronized (this) {
                    if (owned == null) {
                        owned = Arena.ofShared();
                    }
                    MemorySegment copy = owned.allocate(b.byteSize(), 4096);
                    try {
                        MemorySegment.copy(b, 0, copy, 0, b.byteSize());
                    } catch (InternalError fault) {
                        throw dev.jkexec.platform.MappedFiles.faulted(fault, b).map(RuntimeException.class::cast).orElseThrow(() -> fault);
                    }
                    // What booted was written from the file as it was checked: a copy of a file
                    // changed since is not those bytes, and the digest must not vouch for it.
                    dev.jkexec.platform.MappedFiles.changed(b).ifPresent(e -> {
                        throw e;
                    });
                    buffers[i] = copy.asReadOnly();
                }
            }
        }
    }

    /** A background digest's failure as what needs the digest reports it: -EIO, the cause kept. */
    private static KexecException failure(Throwable e) {
        KexecException k = new KexecException(EIO, "segments", "the SHA-256 of the booted default image could not be taken: " + e);
        k.initCause(e);
        return k;
    }

    /** The digest of the kept bytes, each buffered segment followed by its zero tail ({@link ImageDigest}). */
    private Sha256 hash() {
        return ImageDigest.ofSegments(image.segments(), buffers);
    }

    /** The held bytes of segment {@code index}, or {@code null} for a mapping-only segment. */
    synchronized MemorySegment buffer(int index) {
        return buffers[index];
    }

    @Override
    public ValidImage image() {
        return image;
    }

    /** The digest taken at load, or, for borrowed buffers, once it is taken (its failure: -EIO). */
    @Override
    public Sha256 sha256() {
        return digest().get();
    }

    /** The digest as the first boot's plan carries it: known once it is taken; asking for it is a {@link #demand}. */
    DeferredSha256 digest() {
        return DeferredSha256.when(sha256, this::demand);
    }

    /** Someone needs the digest: a background digest still waiting for its delay hashes now. */
    private void demand() {
        demanded.countDown();
    }

    @Override
    public List<PhysicalRange> extraMappings() {
        return extraMappings;
    }

    @Override
    public boolean v1() {
        return v1;
    }

    /**
     * Whether the bytes are this object's own copy ({@link #copyOf}): an off-heap block nobody else
     * references, handed out only as read-only views, out of the guest's reach. Nothing but jkexec's
     * own code could change it, so the digest taken as it was copied stands at exec; borrowed
     * buffers (a file's mapping, say) are someone else's and are hashed again.
     */
    boolean ownsCopy() {
        return arena != null;
    }

    /** The digest of the bytes as they are now; for borrowed buffers, after the first one was taken. */
    @Override
    public Sha256 digestNow() {
        sha256();
        return hash();
    }

    /** Frees the block of a copy; borrowed buffers are their owner's, after the digest is done with them. */
    @Override
    public void close() {
        if (arena != null) {
            arena.close();
        } else {
            startDigest(); // never left pending: whoever waits for it is answered
            demand();
            sha256.exceptionally(e -> null).join();
            synchronized (this) {
                if (owned != null) {
                    owned.close();
                    owned = null;
                }
            }
        }
    }
}
