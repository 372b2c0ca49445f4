package dev.jkexec.machine.control;

import dev.jkexec.core.Errno;
import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.crash.CoreDump;
import java.util.List;

/**
 * What {@link MachineController#handle} answers, one record per kind of outcome; every front end
 * renders these (JSON for the API, lines for {@code jkexec ctl}, step details for scenarios).
 * A refusal is not a reply: it is a {@code KexecException} with its errno.
 */
public sealed interface MachineReply {
    /** The request was carried out and there is nothing to tell (HTTP 204). */
    record Done() implements MachineReply {
    }

    /** One slot: empty, or the image it holds. */
    record Slot(ImageType type, ImageInfo image) implements MachineReply {
        public boolean loaded() {
            return image != null;
        }
    }

    /** The machine: both slots, QEMU's run state, the firmware's last report. */
    record Status(List<Slot> slots, String runState, String firmware) implements MachineReply {
    }

    /** A {@code get_range} answer. */
    record Range(int range, int nr, long start, long size) implements MachineReply {
    }

    /** A kernel was planned and loaded. */
    record Loaded(Slot slot) implements MachineReply {
    }

    /** The default image was executed: the firmware has it and the machine restarted into it. */
    record HandedOver(HandoverPlan plan) implements MachineReply {
    }

    /** The crash path ran. */
    record Crashed(CrashOutcome outcome) implements MachineReply {
    }

    /** A host-side dump was written. */
    record Dumped(CoreDump.Written written) implements MachineReply {
    }

    /**
     * A raw {@code kexec_op} was answered: its return value ({@code errno} when negative), and for
     * a successful query the argument as the hypervisor left it; or the machine was handed over.
     */
    record KexecOpResult(long ret, Errno errno, byte[] arg, boolean handedOver) implements MachineReply {
    }
}
