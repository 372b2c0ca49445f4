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
}
