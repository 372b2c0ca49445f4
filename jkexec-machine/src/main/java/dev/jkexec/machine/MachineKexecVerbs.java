package dev.jkexec.machine;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.core.kexec.ImageDescriptor;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentBuffers;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.hypercall.KexecVerbs;
import dev.jkexec.platform.PhysicalMemory;

/**
 * The hypercall's kexec verbs on a {@link Machine}: loads, unloads and execs are the machine's
 * own operations (its lock, the core's rules, digest and handover), queries go to its core.
 *
 * <p>Exec of the crash image with none loaded is -ENOENT, as in Xen: the guest keeps running
 * (the operator's crash path would write a host-side core instead). A crash image found damaged
 * at exec still ends in the machine's host-side core (nothing is lost), and the guest is gone.
 */
final class MachineKexecVerbs implements KexecVerbs {
    private final Machine machine;

    MachineKexecVerbs(Machine machine) {
        this.machine = machine;
    }

    @Override
    public PhysicalRange getRange(int range, int nr) {
        return machine.kexec().getRange(range, nr);
    }

    @Override
    public void load(ImageDescriptor image, SegmentBuffers buffers) {
        machine.load(image, buffers);
    }

    @Override
    public void loadV1(int type, long indirectionPage, long entry, PhysicalMemory frames) {
        machine.loadV1(type, indirectionPage, entry, frames);
    }

    @Override
    public void unload(ImageType type) {
        machine.unload(type);
    }

    @Override
    public boolean status(ImageType type) {
        return machine.kexec().status(type);
    }

    @Override
    public void exec(ImageType type) {
        synchronized (machine) {
            if (type == ImageType.CRASH) {
                if (!machine.kexec().status(ImageType.CRASH)) {
                    throw new KexecException(Errno.ENOENT, "type", "no crash image loaded");
                }
                // Entered, or (damaged) written to a host-side core: the guest is gone either way.
                machine.execCrash("exec of the crash image by the guest's hypercall"); // -EBUSY while the crash kernel runs
                return;
            }
            machine.exec();
        }
    }
}
