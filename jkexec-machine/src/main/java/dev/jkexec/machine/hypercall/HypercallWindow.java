package dev.jkexec.machine.hypercall;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.Paging;
import dev.jkexec.qemu.QemuCommandLine;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * The hypercall buffer window: guest-physical memory the guest's dom0 shim allocates its
 * hypercall buffers from, and jkexec reads and writes in place.
 *
 * <p><b>Where it is.</b> {@link MachineLayout#hypercallWindow()}, {@link MachineLayout#HYPERCALL_WINDOW_SIZE}
 * bytes, inside the range the guest's e820 lists as reserved (so Linux's STRICT_DEVMEM lets root
 * map it through {@code /dev/mem}); sparse in the RAM file until the guest writes it. jkexec
 * publishes it in the mailbox page ({@link #writeDescriptor}) at every handover:
 *
 * <pre>
 * MachineLayout.HYPERCALL_DESCRIPTOR, 32 bytes
 *  0  8  magic "JKXHCALL"
 *  8  u32 version 1
 * 12  u32 the doorbell: serial port index ({@link QemuCommandLine#DOORBELL_SERIAL_INDEX}: COM2, ttyS1)
 * 16  u64 guest-physical base of the window
 * 24  u64 its size
 * </pre>
 *
 * <p><b>Who owns which page.</b> The guest owns the whole window; page 0 is the shim's allocation
 * bitmap (one bit per page), which jkexec zeroes at every handover ({@link #reset}): the new
 * kernel has no processes holding buffers. jkexec never keeps a reference into the window past
 * a call: loads copy what they keep.
 *
 * <p><b>Handles.</b> A guest passes virtual addresses of its mapping; {@link #handles} is the
 * window seen at the caller's virtual base, so every handle resolves by bounds-checked offset and
 * anything outside the window is -EFAULT, as Xen's {@code copy_from_guest}. Machine addresses
 * (a v1 indirection list's frames) resolve in {@link #frames}: only the window's own frames are
 * the caller's, anything else is -EFAULT.
 */
public final class HypercallWindow {
    public static final byte[] DESCRIPTOR_MAGIC = "JKXHCALL".getBytes(StandardCharsets.US_ASCII);
    public static final int DESCRIPTOR_VERSION = 1;
    public static final int DESCRIPTOR_SIZE = 32;

    private final MemorySegment window;
    private final long base;

    private HypercallWindow(long base, MemorySegment window) {
        this.base = base;
        this.window = window;
    }

    /** The window of a machine with {@code layout}, over its physical memory. */
    public static HypercallWindow of(PhysicalMemory ram, MachineLayout layout) {
        return new HypercallWindow(layout.hypercallWindow(),
                ram.slice(layout.hypercallWindow(), MachineLayout.HYPERCALL_WINDOW_SIZE));
    }

    /** A window over {@code memory} at guest-physical {@code base} (tests). */
    public static HypercallWindow of(long base, MemorySegment memory) {
        return new HypercallWindow(base, memory);
    }

    public long base() {
        return base;
    }

    public long size() {
        return window.byteSize();
    }

    /** The window as the caller sees it: physical addresses are the caller's virtual addresses. */
    public PhysicalMemory handles(long windowVa) {
        if (windowVa < 0 || windowVa + window.byteSize() < windowVa) {
            // A mapping no process can have (above 2^63, or wrapping): nothing resolves.
            return PhysicalMemory.window(0, window.asSlice(0, 0));
        }
        return PhysicalMemory.window(windowVa, window);
    }

    /** The window in guest-physical addresses: the frames a caller owns. */
    public PhysicalMemory frames() {
        return PhysicalMemory.window(base, window);
    }

    /** Zeroes the allocation bitmap (the window's first page). */
    public void reset() {
        window.asSlice(0, Math.min(Paging.PAGE_SIZE, window.byteSize())).fill((byte) 0);
    }

    /** Publishes the window and the doorbell in the mailbox page. */
    public static void writeDescriptor(PhysicalMemory ram, MachineLayout layout) {
        MemorySegment d = MemorySegment.ofArray(descriptor(layout));
        ram.write(MachineLayout.HYPERCALL_DESCRIPTOR, d);
    }

    /** The descriptor's bytes. */
    public static byte[] descriptor(MachineLayout layout) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(DESCRIPTOR_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(DESCRIPTOR_MAGIC).putInt(DESCRIPTOR_VERSION).putInt(QemuCommandLine.DOORBELL_SERIAL_INDEX)
                .putLong(layout.hypercallWindow()).putLong(MachineLayout.HYPERCALL_WINDOW_SIZE);
        return b.array();
    }
}
