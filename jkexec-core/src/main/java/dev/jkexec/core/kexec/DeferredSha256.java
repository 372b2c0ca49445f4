package dev.jkexec.core.kexec;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * An image's SHA-256 that may still be being taken: known at once for every exec that verified
 * it, and, for the first boot ({@link Kexec#bootFirst}), once the digest taken in the
 * background after the handover is done ({@link HeldImage#borrowing}). {@link #get} waits for it
 * and throws what made it fail.
 */
public final class DeferredSha256 {
    private final CompletableFuture<Sha256> digest;
    /** Run by {@link #get} before it waits: tells whoever takes the digest that it is needed now. */
    private final Runnable demand;

    private DeferredSha256(CompletableFuture<Sha256> digest, Runnable demand) {
        this.digest = Objects.requireNonNull(digest, "digest");
        this.demand = Objects.requireNonNull(demand, "demand");
    }

    /** A digest known now. */
    public static DeferredSha256 of(Sha256 known) {
        return new DeferredSha256(CompletableFuture.completedFuture(Objects.requireNonNull(known, "known")), () -> { });
    }

    /** A digest known when {@code digest} completes, whose taking {@code demand} hastens ({@link HeldImage}). */
    static DeferredSha256 when(CompletableFuture<Sha256> digest, Runnable demand) {
        return new DeferredSha256(digest, demand);
    }

    /**
     * The digest, once taken (asking for it first hastens its taking); the failure that prevented it
     * (a {@link dev.jkexec.core.KexecException}) otherwise.
     */
    public Sha256 get() {
        demand.run();
        try {
            return digest.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Whether {@link #get} would return (or throw) without waiting. */
    public boolean isDone() {
        return digest.isDone();
    }

    /** Runs {@code action} with the failure, if taking the digest fails (on the thread that took it). */
    public void onFailure(java.util.function.Consumer<RuntimeException> action) {
        digest.whenComplete((d, e) -> {
            if (e != null) {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                action.accept(cause instanceof RuntimeException r ? r : new IllegalStateException(cause));
            }
        });
    }

    @Override
    public String toString() {
        return digest.isDone() && !digest.isCompletedExceptionally() ? digest.join().hex() : "(being taken)";
    }
}
