package dev.jkexec.machine.hypercall;

import dev.jkexec.core.MachineLayout;
import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.core.hypercall.Dom0Hypercalls;
import dev.jkexec.core.hypercall.DoorbellFrame;
import dev.jkexec.core.hypercall.XenHypercall;
import dev.jkexec.core.hypercall.HypercallWindow;
import dev.jkexec.image.E820Type;
import dev.jkexec.image.MemoryMap;
import dev.jkexec.image.MemoryRange;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A machine's hypercall channel, assembled: the window in its RAM, the doorbell socket QEMU
 * serves as the second serial port, and the dispatcher over the machine's own verbs. Made by
 * {@link Machine#start}; the guest's dom0 shim finds it through the mailbox descriptor.
 */
public final class Hypercalls implements AutoCloseable {
    /** The caller id of requests from the host's control interface (no guest process has pid 0). */
    static final int HOST_CALLER = 0;

    /** The doorbell socket, created before QEMU. */
    public static final class Port {
        private final HypercallChannel.Port port;

        private Port(HypercallChannel.Port port) {
            this.port = port;
        }

        public void delete() {
            port.delete();
        }
    }

    private final HypercallWindow window;
    private final HypercallChannel channel;
    private final Dom0Hypercalls calls;

    private Hypercalls(HypercallWindow window, HypercallChannel channel, Dom0Hypercalls calls) {
        this.window = window;
        this.channel = channel;
        this.calls = calls;
    }

    /** A doorbell socket path under {@code tmpRoot}. */
    public static Port port(Path tmpRoot) {
        return new Port(HypercallChannel.Port.create(tmpRoot));
    }

    /** {@code args} plus QEMU's doorbell arguments. */
    public static List<String> withDoorbell(List<String> args, Port port) {
        List<String> all = new ArrayList<>(args);
        all.addAll(port.port.qemuArgs());
        return all;
    }

    /** Serves {@code machine}'s hypercalls on the doorbell QEMU opened at {@code port}. */
    public static Hypercalls start(Machine machine, Port port) {
        MachineLayout layout = machine.layout();
        HypercallWindow window = HypercallWindow.of(machine.memory(), layout);
        Dom0Hypercalls.Facts facts = new Dom0Hypercalls.Facts(layout.guestMemoryMap(), crashView(layout), layout.cpus(),
                layout.guestRam() / MachineLayout.PAGE_SIZE, layout.totalRam() / MachineLayout.PAGE_SIZE - 1);
        Dom0Hypercalls calls = new Dom0Hypercalls(new MachineKexecVerbs(machine), facts, machine::note);
        machine.addListener(e -> {
            if (e instanceof MachineEvent.HandedOver) {
                calls.forgetCallers();
            }
        });
        HypercallWindow.writeDescriptor(machine.memory(), layout);
        return new Hypercalls(window, HypercallChannel.start(port.port, window, calls, machine::note), calls);
    }

    /** The guest's e820 with the crash region as RAM: what a toolstack building a crash image places into. */
    static MemoryMap crashView(MachineLayout layout) {
        List<MemoryRange> ranges = new ArrayList<>();
        for (MemoryRange r : layout.guestMemoryMap().ranges()) {
            if (r.start() == layout.crashBase() && layout.crashSize() > 0) {
                ranges.add(new MemoryRange(layout.crashBase(), layout.crashSize(), E820Type.RAM));
                ranges.add(new MemoryRange(layout.hiddenBase(), r.start() + r.size() - layout.hiddenBase(), E820Type.RESERVED));
            } else {
                ranges.add(r);
            }
        }
        return new MemoryMap(ranges);
    }

    public HypercallWindow window() {
        return window;
    }

    /**
     * A {@code kexec_op} from the host, in the binary ABI ({@link AbiRequestFile}): the same
     * dispatcher and machine verbs as the guest's hypercall; every pointer in the request resolves
     * in the request's own memory (outside it: -EFAULT). Results ({@code get_range}) are written into
     * that memory, which the caller can read back.
     */
    public Dom0Hypercalls.Outcome hostCall(AbiRequestFile request) {
        HypercallWindow own = HypercallWindow.of(request.memoryBase(), MemorySegment.ofArray(request.memory()));
        DoorbellFrame.Request call = DoorbellFrame.request(0, XenHypercall.KEXEC_OP, request.memoryBase(), false, HOST_CALLER,
                request.cmd(), request.argAddress());
        return calls.call(call, own);
    }

    /** Calls answered so far. */
    public long served() {
        return channel.served();
    }

    @Override
    public void close() {
        channel.close();
    }
}
