package dev.jkexec.core.kexec;

/**
 * The machine side of {@link Kexec#exec}: takes the CPU over to the image described by a plan.
 *
 * <p>Both methods are called while the {@link Kexec} lock is held (DESIGN: exec and crash hold the
 * lock until the handover is done), so no load or unload can change the staging pages, the crash
 * region or the slot in between. A load or unload attempted from inside the callback fails with
 * -EBUSY, as Xen's does once a kexec is in progress.
 */
@FunctionalInterface
public interface HandoverTarget {
    /**
     * Hands the machine over. If this throws, the exception propagates out of {@link Kexec#exec}
     * and the slot stays as it was (a crash image stays loaded).
     */
    void handOver(HandoverPlan plan);

    /**
     * The image's bytes do not match the digest taken at load; exec will throw {@code damage}
     * right after this returns. A machine handling a crash dumps the old system from the host
     * here instead. Default: nothing.
     */
    default void imageDamaged(ImageDamagedException damage) {
    }

    /**
     * Whether this target can hold the image's entry back after the handover ({@link #handOverHeld}):
     * then {@link Kexec#exec} hands over first and verifies the image's digest while the machine
     * runs up to the entry (the firmware walks the page list and refreshes the in-place ranges), and
     * lets it enter only if the digest matches. Default: no — verify, then {@link #handOver}.
     */
    default boolean holdsEntry() {
        return false;
    }

    /**
     * Hands the machine over as {@link #handOver} does, but with the image's entry held back until
     * {@link #release} or {@link #refuse}. Whatever runs until then must leave the image's bytes as
     * they are (the digest is being taken of them).
     */
    default void handOverHeld(HandoverPlan plan) {
        throw new UnsupportedOperationException("this target cannot hold the entry");
    }

    /** The digest matched: let the held handover enter the image. */
    default void release() {
    }

    /**
     * The digest did not match: the held handover must never enter the image (the machine is
     * stopped). Exec throws {@code damage} right after this returns; {@link #imageDamaged} is not
     * called as well.
     */
    default void refuse(ImageDamagedException damage) {
    }
}
