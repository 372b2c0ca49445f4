package dev.jkexec.machine.control;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.core.abi.KexecCommand;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.ExecOutcome;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.crash.DumpProgress;
import dev.jkexec.machine.hypercall.Dom0Hypercalls;
import dev.jkexec.platform.PhysicalMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The one code that drives a {@link Machine} for a front end, after Firecracker's
 * {@code VmmAction} dispatch: a {@link MachineRequest} in, a {@link MachineReply} out, or a
 * {@link KexecException} with the errno a Xen toolstack would see (a request refused leaves the
 * machine as it was: the core's rules, the machine's lock). Safe to call from many threads at
 * once: every operation is serialized by the machine, queries read the core under its lock.
 */
public final class MachineController {
    private final Machine machine;

    public MachineController(Machine machine) {
        this.machine = machine;
    }

    /** Carries out {@code request}; a dump reports its progress to nobody. */
    public MachineReply handle(MachineRequest request) {
        return handle(request, DumpProgress.NONE);
    }

    /** Carries out {@code request}; a dump reports its progress (bytes of RAM) to {@code progress}. */
    public MachineReply handle(MachineRequest request, DumpProgress progress) {
        return switch (request) {
            case MachineRequest.Status s -> status();
            case MachineRequest.GetImage g -> slot(g.type());
            case MachineRequest.GetRange g -> {
                PhysicalRange r = machine.getRange(g.range(), g.nr());
                yield new MachineReply.Range(g.range(), g.nr(), r.start(), r.size());
            }
            case MachineRequest.Load l -> {
                // the image this load put in the slot (read under the machine's lock), not the slot's
                // state a moment later, which a concurrent load may have changed
                yield new MachineReply.Loaded(new MachineReply.Slot(l.spec().type(), machine.load(l.spec())));
            }
            case MachineRequest.Unload u -> {
                machine.unload(u.type());
                yield new MachineReply.Done();
            }
            case MachineRequest.Exec e -> switch (machine.exec(e.type())) {
                case ExecOutcome.HandedOver h -> new MachineReply.HandedOver(h.plan());
                case ExecOutcome.Crashed c -> new MachineReply.Crashed(c.outcome());
            };
            case MachineRequest.Crash c -> new MachineReply.Crashed(machine.crash(c.reason()));
            case MachineRequest.Dump d -> new MachineReply.Dumped(machine.dump(d.file(), d.format(), d.level(), d.overwrite(), progress));
            case MachineRequest.Pause p -> {
                machine.pause();
                yield new MachineReply.Done();
            }
            case MachineRequest.Resume r -> {
                machine.resume();
                yield new MachineReply.Done();
            }
            case MachineRequest.KexecOp k -> kexecOp(k.request());
        };
    }

    /** Tells {@code listener} what happens to the machine (panics, handovers, crashes, exits). */
    public void addListener(Consumer<MachineEvent> listener) {
        machine.addListener(listener);
    }

    private MachineReply.Status status() {
        List<MachineReply.Slot> slots = new ArrayList<>();
        for (ImageType t : ImageType.values()) {
            slots.add(slot(t));
        }
        return new MachineReply.Status(slots, machine.runState().toString().toLowerCase(Locale.ROOT), machine.firmwareStatus());
    }

    private MachineReply.Slot slot(ImageType t) {
        return new MachineReply.Slot(t, machine.image(t).orElse(null));
    }

    private MachineReply kexecOp(byte[] bytes) {
        AbiRequestFile request;
        try {
            request = AbiRequestFile.parse(bytes);
        } catch (ImageFormatException e) {
            throw new KexecException(Errno.EINVAL, "kexec_op", e.getMessage());
        }
        return switch (machine.hypercalls().hostCall(request)) {
            case Dom0Hypercalls.Outcome.HandedOver h -> new MachineReply.KexecOpResult(0, null, null, true);
            case Dom0Hypercalls.Outcome.Returned ret -> {
                Errno e = ret.value() < 0 ? Errno.ofValue((int) ret.value()) : null;
                byte[] arg = null;
                KexecCommand c = KexecCommand.ofCode(request.cmd());
                if (c != null && ret.value() == 0) {
                    PhysicalMemory m = request.guestMemory();
                    if (m.contains(request.argAddress(), c.argumentSize())) {
                        arg = m.read(request.argAddress(), (int) c.argumentSize());
                    }
                }
                yield new MachineReply.KexecOpResult(ret.value(), e, arg, false);
            }
        };
    }
}
