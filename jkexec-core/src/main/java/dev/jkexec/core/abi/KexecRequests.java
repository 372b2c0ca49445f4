package dev.jkexec.core.abi;

import static dev.jkexec.core.Errno.EFAULT;
import static dev.jkexec.core.Errno.EOPNOTSUPP;

import dev.jkexec.core.KexecException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.kexec.ImageRules;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a {@code kexec_op} call's argument from guest memory, the way Xen's handlers copy it in
 * (spec §1, §3.1 steps 1–3): the argument structure (out of guest memory: -EFAULT); for a load,
 * {@code nr_segments >= 16} is refused (-EINVAL) <em>before</em> the segment array is touched,
 * then the array is read (-EFAULT). An unknown command is -EOPNOTSUPP (DESIGN; Xen 4.17 returned
 * 0). Nothing is allocated in proportion to a guest-supplied number before it was checked.
 */
public final class KexecRequests {
    private KexecRequests() {
    }

    /** Decodes call {@code cmd} with its argument at guest-physical {@code argAddress}. */
    public static KexecRequest decode(long cmd, long argAddress, PhysicalMemory guest) {
        KexecCommand command = KexecCommand.ofCode(cmd);
        if (command == null) {
            throw new KexecException(EOPNOTSUPP, "cmd", cmd + " is not a kexec_op command (0..6)");
        }
        MemorySegment arg = argument(guest, argAddress, command);
        return switch (command) {
            case EXEC -> new KexecRequest.Exec(XenKexecExec.read(arg));
            case LOAD_V1 -> new KexecRequest.LoadV1(XenKexecLoadV1.read(arg));
            case UNLOAD_V1 -> new KexecRequest.UnloadV1(XenKexecLoadV1.read(arg));
            case GET_RANGE -> new KexecRequest.GetRange(XenKexecRange.read(arg));
            case LOAD -> load(XenKexecLoad.read(arg), guest);
            case UNLOAD -> new KexecRequest.Unload(XenKexecUnload.read(arg));
            case STATUS -> new KexecRequest.Status(XenKexecStatus.read(arg));
        };
    }

    private static MemorySegment argument(PhysicalMemory guest, long address, KexecCommand command) {
        long size = command.argumentSize();
        if (!guest.contains(address, size)) {
            throw new KexecException(EFAULT, "arg", String.format("%s at 0x%x (%d bytes) outside guest memory",
                    command.argumentName(), address, size));
        }
        return guest.slice(address, size);
    }

    private static KexecRequest.Load load(XenKexecLoad load, PhysicalMemory guest) {
        ImageRules.segmentCount(load.nrSegments(), KexecImage.MAX_SEGMENTS);
        int n = (int) load.nrSegments();
        List<XenKexecSegment> segments = new ArrayList<>(n);
        if (n > 0) {
            long bytes = n * XenKexecSegment.SIZE;
            if (!guest.contains(load.segments(), bytes)) {
                throw new KexecException(EFAULT, "segments", String.format("array at 0x%x (%d × %d bytes) outside guest memory",
                        load.segments(), n, XenKexecSegment.SIZE));
            }
            MemorySegment array = guest.slice(load.segments(), bytes);
            for (int i = 0; i < n; i++) {
                segments.add(XenKexecSegment.read(array.asSlice(i * XenKexecSegment.SIZE, XenKexecSegment.SIZE)));
            }
        }
        return new KexecRequest.Load(load, segments);
    }

    /**
     * The bytes of {@code segments[index]}'s buffer in guest memory, bounds checked (-EFAULT naming
     * {@code segments[i].buf}). Read-only view, no copy.
     */
    public static MemorySegment buffer(PhysicalMemory guest, List<XenKexecSegment> segments, int index) {
        XenKexecSegment s = segments.get(index);
        if (!guest.contains(s.buf(), s.bufSize())) {
            throw new KexecException(EFAULT, "segments[" + index + "].buf",
                    String.format("0x%x+0x%x outside guest memory", s.buf(), s.bufSize()));
        }
        return guest.slice(s.buf(), s.bufSize()).asReadOnly();
    }
}
