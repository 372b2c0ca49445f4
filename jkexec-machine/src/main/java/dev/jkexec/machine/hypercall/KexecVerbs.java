package dev.jkexec.machine.hypercall;

import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.kexec.ImageDescriptor;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentBuffers;
import dev.jkexec.image.ImageType;

/**
 * The machine's kexec operations, as the hypercall reaches them: one narrow verb per
 * {@code kexec_op} sub-command. A machine implements them with its own operations (the same lock,
 * digest and outcome as every other front end); a refusal is a {@code KexecException} with the
 * errno the guest sees.
 */
public interface KexecVerbs {
    PhysicalRange getRange(int range, int nr);

    void load(ImageDescriptor image, SegmentBuffers buffers);

    /** A v1 load; the indirection list's machine addresses resolve in {@code frames}. */
    void loadV1(int type, long indirectionPage, long entry, PhysicalMemory frames);

    void unload(ImageType type);

    boolean status(ImageType type);

    /**
     * Hands the machine over to the loaded image of {@code type}. Returns only once the handover
     * is done (the caller's guest is gone); a refusal throws and leaves the guest running.
     */
    void exec(ImageType type);
}
