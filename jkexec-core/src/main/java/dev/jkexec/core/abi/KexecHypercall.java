package dev.jkexec.core.abi;

import static dev.jkexec.core.Errno.EFAULT;

import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.kexec.HandoverTarget;
import dev.jkexec.core.kexec.ImageDescriptor;
import dev.jkexec.core.kexec.ImageRules;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentDescriptor;
import java.util.List;
import java.util.Objects;

/**
 * The {@code kexec_op} hypercall over the binary ABI: {@link #kexecOp} reads its argument (and the
 * segment buffers, and a v1 guest's indirection list) from guest memory, runs the operation on a
 * {@link Kexec}, writes {@code get_range} results back, and returns what the hypercall returns:
 * 0, 1 (status: loaded) or {@code -errno}.
 *
 * <p>Pointers in the argument are guest-physical addresses in the given guest memory (jkexec's
 * machine passes the guest's RAM). A pointer or length outside it is -EFAULT; no exception escapes
 * for bad input, and nothing is allocated in proportion to a guest number before the rules
 * accepted it (buffers are read as views of guest memory). Exceptions thrown by the
 * {@link HandoverTarget} itself are the machine's and do propagate.
 *
 * <p>Exec: the target is called under the kexec lock as for {@link Kexec#exec}; a damaged image
 * returns -EIO after {@link HandoverTarget#imageDamaged}. On a successful handover this returns 0
 * (Xen never returns; jkexec's machine resets the vCPU instead of resuming it).
 */
public final class KexecHypercall {
    private final Kexec kexec;
    private final HandoverTarget target;

    public KexecHypercall(Kexec kexec, HandoverTarget target) {
        this.kexec = Objects.requireNonNull(kexec, "kexec");
        this.target = Objects.requireNonNull(target, "target");
    }

    /** {@code kexec_op(cmd, arg)} with {@code arg} at guest-physical {@code argAddress} of {@code guest}. */
    public long kexecOp(int cmd, long argAddress, PhysicalMemory guest) {
        try {
            return dispatch(KexecRequests.decode(Integer.toUnsignedLong(cmd), argAddress, guest), argAddress, guest);
        } catch (KexecException e) {
            return e.errno().negated();
        } catch (PhysicalMemory.OutOfRangeException e) {
            return EFAULT.negated();
        }
    }

    private long dispatch(KexecRequest request, long argAddress, PhysicalMemory guest) {
        switch (request) {
            case KexecRequest.Exec(XenKexecExec a) -> kexec.exec(ImageRules.type(a.type()), target);
            case KexecRequest.LoadV1(XenKexecLoadV1 a) -> kexec.loadV1(a.type(), a.image().indirectionPage(), a.image().startAddress(), guest);
            case KexecRequest.UnloadV1(XenKexecLoadV1 a) -> kexec.unloadV1(ImageRules.type(a.type()));
            case KexecRequest.GetRange(XenKexecRange a) -> {
                PhysicalRange r = kexec.getRange(a.range(), a.nr());
                // Copied back only on success, as Xen does.
                guest.writeLong(argAddress + XenKexecRange.SIZE_FIELD, r.size());
                guest.writeLong(argAddress + XenKexecRange.START, r.start());
            }
            case KexecRequest.Load(XenKexecLoad a, List<XenKexecSegment> segs) ->
                    kexec.load(descriptor(a, segs), i -> KexecRequests.buffer(guest, segs, i));
            case KexecRequest.Unload(XenKexecUnload a) -> kexec.unload(ImageRules.type(a.type()));
            case KexecRequest.Status(XenKexecStatus a) -> {
                return kexec.status(ImageRules.type(a.type())) ? 1 : 0;
            }
        }
        return 0;
    }

    /** The rules' view of a load: raw type and arch, {@code buf != 0} as "buffered". */
    public static ImageDescriptor descriptor(XenKexecLoad load, List<XenKexecSegment> segments) {
        List<SegmentDescriptor> segs = new java.util.ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            XenKexecSegment s = segments.get(i);
            segs.add(new SegmentDescriptor(s.buf() != 0, s.bufSize(), s.destMaddr(), s.destSize(), "segments[" + i + "]"));
        }
        return new ImageDescriptor(load.type(), load.arch(), load.entryMaddr(), segs);
    }
}
