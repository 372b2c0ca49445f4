package dev.jkexec.machine.hypercall;

import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.Paging;
import java.lang.foreign.MemorySegment;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A machine's hypercall channel, assembled: the window in its RAM, the doorbell (the machine's
 * second serial port, {@code QemuConfig.doorbell}, which {@code QemuMachine} connects before the
 * first instruction), and the dispatcher over the machine's own verbs ({@link KexecVerbs}). Made
 * by {@code Machine.start}; the guest's dom0 shim finds it through the mailbox descriptor
 * ({@link HypercallWindow#writeDescriptor}), which {@link #beforeHandover} writes again for every
 * next kernel.
 */
public final class Hypercalls implements AutoCloseable {
    /** The caller id of requests from the host's control interface (no guest process has pid 0). */
    static final int HOST_CALLER = 0;

    private final HypercallWindow window;
    private final HypercallChannel channel;
    private final Dom0Hypercalls calls;

    private Hypercalls(HypercallWindow window, HypercallChannel channel, Dom0Hypercalls calls) {
        this.window = window;
        this.channel = channel;
        this.calls = calls;
    }

    /**
     * Serves the hypercalls of a machine with {@code layout} and {@code memory} on its connected
     * {@code doorbell}, with {@code verbs}; {@code operator} is told what the operator should know.
     */
    public static Hypercalls start(MachineLayout layout, PhysicalMemory memory, SocketChannel doorbell, KexecVerbs verbs,
            Consumer<String> operator) {
        HypercallWindow window = HypercallWindow.of(memory, layout);
        Dom0Hypercalls calls = new Dom0Hypercalls(verbs, facts(layout), operator);
        HypercallWindow.writeDescriptor(memory, layout);
        return new Hypercalls(window, HypercallChannel.start(doorbell, window, calls, operator), calls);
    }

    /**
     * Readies the window for the next kernel, during a handover: the descriptor rewritten (the old
     * guest could have scribbled on the mailbox) and no buffer allocated.
     */
    public static void beforeHandover(PhysicalMemory memory, MachineLayout layout) {
        HypercallWindow.writeDescriptor(memory, layout);
        HypercallWindow.of(memory, layout).reset();
    }

    /** After a handover: process ids of the old guest mean nothing to the new one. */
    public void handedOver() {
        calls.forgetCallers();
    }

    /**
     * What a guest toolstack is told of a machine of {@code layout}: its e820 ({@code memory_op}),
     * the crash view, the vCPUs, the guest's pages and the highest frame (above 4 GiB when RAM is
     * split) for {@code sysctl physinfo}.
     */
    static Dom0Hypercalls.Facts facts(MachineLayout layout) {
        return new Dom0Hypercalls.Facts(layout.guestMemoryMap(), crashView(layout), layout.cpus(),
                layout.guestRam() / Paging.PAGE_SIZE, layout.ramEnd() / Paging.PAGE_SIZE - 1);
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
