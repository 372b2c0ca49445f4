package dev.jkexec.machine.hypercall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.Errno;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.abi.XenKexecLoad;
import dev.jkexec.core.abi.XenKexecSegment;
import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.ImageDescriptor;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.SegmentBuffers;
import dev.jkexec.platform.E820Type;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every hypercall {@link Dom0Hypercalls} serves, with good and bad arguments, against a real
 * kexec core: the window is a 1 MiB piece of heap memory that the "guest" sees at a virtual
 * address of its own ({@link #VA}), as the shim's mapping.
 */
@Pure
class Dom0HypercallsTest {
    static final long VA = 0x7f12_3400_0000L;
    static final MachineLayout LAYOUT = new MachineLayout(64L << 20, 16L << 20, 8L << 20, 2);
    private final PhysicalMemory ram = PhysicalMemory.ofHeap(LAYOUT.hypercallWindow());
    private final MemorySegment windowBytes = MemorySegment.ofArray(new byte[1 << 20]);
    private final HypercallWindow window = HypercallWindow.of(LAYOUT.hypercallWindow(), windowBytes);
    private final PhysicalMemory handles = window.handles(VA);
    private final Kexec kexec = new Kexec(LAYOUT.kexecConfig(), ram);
    private final List<HandoverPlan> handovers = new ArrayList<>();
    private final List<String> told = new ArrayList<>();
    private final MemoryMap crashView = new MemoryMap(List.of(new MemoryRange(0, 0x9F000, E820Type.RAM),
            new MemoryRange(LAYOUT.crashBase(), LAYOUT.crashSize(), E820Type.RAM)));
    private final Dom0Hypercalls calls = new Dom0Hypercalls(new KexecVerbs() {
        @Override
        public PhysicalRange getRange(int range, int nr) {
            return kexec.getRange(range, nr);
        }

        @Override
        public void load(ImageDescriptor image, SegmentBuffers buffers) {
            kexec.load(image, buffers);
        }

        @Override
        public void loadV1(int type, long indirectionPage, long entry, PhysicalMemory frames) {
            kexec.loadV1(type, indirectionPage, entry, frames);
        }

        @Override
        public void unload(ImageType type) {
            kexec.unload(type);
        }

        @Override
        public boolean status(ImageType type) {
            return kexec.status(type);
        }

        @Override
        public void exec(ImageType type) {
            kexec.exec(type, handovers::add);
        }
    }, new Dom0Hypercalls.Facts(LAYOUT.guestMemoryMap(), crashView, 2, 16384, 0xFFFF), told::add);
    private int caller = 100;

    long call(long op, long... args) {
        Dom0Hypercalls.Outcome o = calls.call(DoorbellFrame.request(1, op, VA, false, caller, args), window);
        return o instanceof Dom0Hypercalls.Outcome.Returned r ? r.value() : Long.MIN_VALUE;
    }

    /** Puts bytes at window offset {@code off}; returns their handle. */
    long put(long off, byte[] bytes) {
        handles.write(VA + off, bytes);
        return VA + off;
    }

    long put(long off, long... qwords) {
        for (int i = 0; i < qwords.length; i++) {
            handles.writeLong(VA + off + 8L * i, qwords[i]);
        }
        return VA + off;
    }

    static long e(Errno e) {
        return e.negated();
    }

    long kexec(int cmd, long arg) {
        return call(XenHypercall.KEXEC_OP, cmd, arg);
    }

    /** A load of one 8 KiB segment at {@code dest} with its buffer in the window; the xen_kexec_load handle. */
    long load(int type, int arch, long dest, long entry, long bufHandle, long nr) {
        long segs = put(0x2000, bufHandle, 0x2000, dest, 0x2000);
        byte[] l = new byte[24];
        new XenKexecLoad(type, arch, nr, segs, entry).write(MemorySegment.ofArray(l));
        return put(0x1000, l);
    }

    @Test
    void kexecOpStatusLoadUnloadExec() {
        long status = put(0, new byte[] {0});
        assertThat(kexec(6, status)).isZero();
        long buf = put(0x8000, "payload".getBytes(StandardCharsets.US_ASCII));
        assertThat(kexec(4, load(0, 62, 0x200000, 0x200000, buf, 1))).isZero();
        assertThat(kexec(6, status)).isEqualTo(1);
        assertThat(kexec.image(ImageType.DEFAULT).orElseThrow().segments().getFirst().dest()).isEqualTo(0x200000);
        assertThat(kexec(5, put(0, new byte[] {0}))).isZero();
        assertThat(kexec(6, status)).isZero();
        assertThat(kexec(0, put(0, 0L))).isEqualTo(e(Errno.ENOENT));
        assertThat(kexec(4, load(0, 62, 0x200000, 0x200000, buf, 1))).isZero();
        Dom0Hypercalls.Outcome o = calls.call(DoorbellFrame.request(2, XenHypercall.KEXEC_OP, VA, false, 7, 0L, put(0, 0L)), window);
        assertThat(o).isInstanceOf(Dom0Hypercalls.Outcome.HandedOver.class);
        assertThat(handovers).hasSize(1);
    }

    @Test
    void kexecOpRefusalsCarryXensErrno() {
        long buf = put(0x8000, new byte[16]);
        assertThat(kexec(4, load(0, 62, 0x200000, 0x200000, buf, 16))).as("16 segments").isEqualTo(e(Errno.EINVAL));
        assertThat(kexec(4, load(0, 40, 0x200000, 0x200000, buf, 1))).as("arch").isEqualTo(e(Errno.EINVAL));
        assertThat(kexec(4, load(1, 62, 0x200000, LAYOUT.crashBase(), buf, 1))).as("crash dest").isEqualTo(e(Errno.EADDRNOTAVAIL));
        assertThat(kexec(4, load(0, 62, 0x200000, 0x200000, 0x1000, 1))).as("buf outside").isEqualTo(e(Errno.EFAULT));
        assertThat(kexec(4, load(0, 62, 0x200000, 0x200000, VA + (1 << 20) - 0x1000, 1))).as("buf past the end").isEqualTo(e(Errno.EFAULT));
        assertThat(kexec(4, load(0, 62, 0x200000, 0x200000, -16, 1))).as("buf wraps").isEqualTo(e(Errno.EFAULT));
        assertThat(kexec(6, 0x1000)).as("arg outside").isEqualTo(e(Errno.EFAULT));
        assertThat(kexec(6, -8)).as("arg wraps").isEqualTo(e(Errno.EFAULT));
        assertThat(kexec(6, put(0, new byte[] {7}))).as("type").isEqualTo(e(Errno.EINVAL));
        assertThat(kexec(7, put(0, new byte[8]))).as("cmd").isEqualTo(e(Errno.EOPNOTSUPP));
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
    }

    @Test
    void v1LoadsWalkTheListInTheWindowsOwnFrames() {
        // The request laid out at the window's guest-physical base: its list's machine addresses are window frames.
        dev.jkexec.core.abi.AbiRequestFile f = dev.jkexec.core.abi.AbiRequests.loadV1(LAYOUT.hypercallWindow(), 0, 0x200000,
                List.of(new dev.jkexec.core.abi.AbiRequests.Segment(new byte[8192], 0x200000, 8192)));
        handles.write(VA, f.memory());
        assertThat(kexec(1, VA + (f.argAddress() - f.memoryBase()))).isZero();
        assertThat(kexec.image(ImageType.DEFAULT).orElseThrow().v1()).isTrue();
        assertThat(kexec(2, VA + (f.argAddress() - f.memoryBase()))).as("unload_v1").isZero();
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
        // The same list with its pages elsewhere than the window: not the caller's frames.
        dev.jkexec.core.abi.AbiRequestFile away = dev.jkexec.core.abi.AbiRequests.loadV1(0x100000, 0, 0x200000,
                List.of(new dev.jkexec.core.abi.AbiRequests.Segment(new byte[8192], 0x200000, 8192)));
        handles.write(VA, away.memory());
        assertThat(kexec(1, VA + (away.argAddress() - away.memoryBase()))).isEqualTo(e(Errno.EFAULT));
    }

    @Test
    void getRangeWritesBackOnlyOnSuccess() {
        long r = put(0, 0L, 0L, 0L);
        assertThat(kexec(3, r)).isZero();
        assertThat(handles.readLong(r + 8)).isEqualTo(LAYOUT.crashSize());
        assertThat(handles.readLong(r + 16)).isEqualTo(LAYOUT.crashBase());
        long cpu = put(0x100, 2L | (1L << 32), 0L, 0L);
        assertThat(kexec(3, cpu)).isZero();
        assertThat(handles.readLong(cpu + 16)).isEqualTo(LAYOUT.crashNote(1));
        long bad = put(0x200, 2L | (2L << 32), -1L, -1L);
        assertThat(kexec(3, bad)).isEqualTo(e(Errno.ERANGE));
        assertThat(handles.readLong(bad + 8)).isEqualTo(-1L);
        assertThat(kexec(3, put(0x300, 1L, 0L, 0L))).as("MA_XEN").isEqualTo(e(Errno.EINVAL));
    }

    @Test
    void compatCallersGetCompatLayouts() {
        long r = put(0, 0L, 0L);
        Dom0Hypercalls.Outcome o = calls.call(DoorbellFrame.request(3, XenHypercall.KEXEC_OP, VA, true, 5, 3, r), window);
        assertThat(o).isEqualTo(new Dom0Hypercalls.Outcome.Returned(0));
        assertThat(handles.readInt(r + 8)).isEqualTo((int) LAYOUT.crashSize());
        assertThat(handles.readInt(r + 12)).isEqualTo((int) LAYOUT.crashBase());
    }

    @Test
    void multicallWrapsMemoryOpAndWritesEachResult() {
        long map = put(0x100, 16L, VA + 0x1000);
        long entries = put(0, XenHypercall.MEMORY_OP, 0L, XenHypercall.XENMEM_MACHINE_MEMORY_MAP, map, 0L, 0L, 0L, 0L,
                24L, 0L, 0L, 0L, 0L, 0L, 0L, 0L,
                XenHypercall.MULTICALL, 0L, VA, 1L, 0L, 0L, 0L, 0L);
        assertThat(call(XenHypercall.MULTICALL, entries, 3)).isZero();
        assertThat(handles.readLong(entries + 8)).isZero();
        assertThat(handles.readLong(entries + 64 + 8)).as("unknown op inside").isEqualTo(e(Errno.ENOSYS));
        assertThat(handles.readLong(entries + 128 + 8)).as("re-entry").isEqualTo(e(Errno.EINVAL));
        List<MemoryRange> expected = LAYOUT.guestMemoryMap().ranges();
        assertThat(handles.readInt(map)).isEqualTo(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            long at = VA + 0x1000 + 20L * i;
            assertThat(new MemoryRange(handles.readLong(at), handles.readLong(at + 8), E820Type.ofCode(handles.readInt(at + 16))))
                    .isEqualTo(expected.get(i));
        }
        assertThat(call(XenHypercall.MULTICALL, VA + (1 << 20) - 64, 2)).as("list past the window").isEqualTo(e(Errno.EFAULT));
        assertThat(call(XenHypercall.MULTICALL, entries, Dom0Hypercalls.MAX_MULTICALL + 1)).isEqualTo(e(Errno.EINVAL));
    }

    @Test
    void memoryMapChecksTheCallersBuffer() {
        int n = LAYOUT.guestMemoryMap().ranges().size();
        assertThat(call(XenHypercall.MEMORY_OP, 10, put(0, (long) n, VA + 0x1000))).as("entries + 1 needed").isEqualTo(e(Errno.EINVAL));
        long count = put(0x100, 0L, 0L);
        assertThat(call(XenHypercall.MEMORY_OP, 10, count)).as("NULL buffer: just the count").isZero();
        assertThat(handles.readInt(count)).isEqualTo(n);
        assertThat(call(XenHypercall.MEMORY_OP, 10, put(0x200, 1000L, VA + (1 << 20) - 0x100))).isEqualTo(e(Errno.EFAULT));
        assertThat(call(XenHypercall.MEMORY_OP, 4, put(0x300, 0L, 0L))).as("other memory_op").isEqualTo(e(Errno.ENOSYS));
    }

    @Test
    void aCallerBuildingACrashImageSeesTheCrashRegionAsRam() {
        assertThat(kexec(3, put(0x400, 0L, 0L, 0L))).isZero(); // get_range(MA_CRASH) by caller 100
        long map = put(0x100, 16L, VA + 0x1000);
        assertThat(call(XenHypercall.MEMORY_OP, 10, map)).isZero();
        assertThat(handles.readInt(map)).isEqualTo(crashView.ranges().size());
        assertThat(handles.readLong(VA + 0x1000 + 20 + 8)).isEqualTo(LAYOUT.crashSize());
        caller = 101;
        put(0x100, 16L, VA + 0x1000);
        assertThat(call(XenHypercall.MEMORY_OP, 10, map)).isZero();
        assertThat(handles.readInt(map)).as("another caller").isEqualTo(LAYOUT.guestMemoryMap().ranges().size());
        caller = 100;
        long buf = put(0x8000, new byte[16]);
        assertThat(kexec(4, load(0, 62, 0x200000, 0x200000, buf, 1))).as("default image from the crash view")
                .isEqualTo(e(Errno.EADDRNOTAVAIL));
        put(0x100, 16L, VA + 0x1000);
        assertThat(call(XenHypercall.MEMORY_OP, 10, map)).isZero();
        assertThat(handles.readInt(map)).as("forgotten after its load").isEqualTo(LAYOUT.guestMemoryMap().ranges().size());
    }

    @Test
    void sysctlPhysinfo() {
        long s = put(0, new byte[136]);
        handles.writeInt(s, XenHypercall.XEN_SYSCTL_PHYSINFO);
        handles.writeInt(s + 4, XenHypercall.XEN_SYSCTL_INTERFACE_VERSION);
        assertThat(call(XenHypercall.SYSCTL, s)).isZero();
        assertThat(handles.readInt(s + 8 + 12)).as("max_cpu_id").isEqualTo(1);
        assertThat(handles.readLong(s + 8 + 40)).as("total_pages").isEqualTo(16384);
        handles.writeInt(s + 4, 0x14);
        assertThat(call(XenHypercall.SYSCTL, s)).isEqualTo(e(Errno.EACCES));
        handles.writeInt(s + 4, XenHypercall.XEN_SYSCTL_INTERFACE_VERSION);
        handles.writeInt(s, 6);
        assertThat(call(XenHypercall.SYSCTL, s)).isEqualTo(e(Errno.ENOSYS));
        assertThat(call(XenHypercall.SYSCTL, VA + (1 << 20) - 100)).isEqualTo(e(Errno.EFAULT));
    }

    @Test
    void xenVersion() {
        assertThat(call(XenHypercall.XEN_VERSION, 0, 0)).isEqualTo(0x40011);
        long caps = put(0, new byte[1024]);
        assertThat(call(XenHypercall.XEN_VERSION, 3, caps)).isZero();
        assertThat(new String(handles.read(caps, 32), StandardCharsets.US_ASCII)).startsWith(Dom0Hypercalls.CAPABILITIES + "\0");
        assertThat(call(XenHypercall.XEN_VERSION, 3, VA + (1 << 20) - 512)).isEqualTo(e(Errno.EFAULT));
        assertThat(call(XenHypercall.XEN_VERSION, 6, 0)).isEqualTo(e(Errno.ENOSYS));
    }

    @Test
    void everythingElseIsEnosysNamedOnce() {
        assertThat(call(24, 0, 0)).isEqualTo(e(Errno.ENOSYS));
        assertThat(call(24, 1, 2)).isEqualTo(e(Errno.ENOSYS));
        assertThat(call(-1L)).isEqualTo(e(Errno.ENOSYS));
        assertThat(told).containsExactly("hypercall vcpu_op (24) is not served: -ENOSYS",
                "hypercall 18446744073709551615 (18446744073709551615) is not served: -ENOSYS");
    }

    @Test
    void framesOfAnotherVersionAreRefused() {
        Dom0Hypercalls.Outcome o = calls.call(new DoorbellFrame.Request(2, 0, 9, 17, new long[5], VA, 1), window);
        assertThat(o).isEqualTo(new Dom0Hypercalls.Outcome.Returned(e(Errno.EINVAL)));
        o = calls.call(new DoorbellFrame.Request(1, 6, 9, 17, new long[5], VA, 1), window);
        assertThat(o).isEqualTo(new Dom0Hypercalls.Outcome.Returned(e(Errno.EINVAL)));
    }

    @Test
    void aWindowMappedWhereNoProcessCanMapResolvesNothing() {
        Dom0Hypercalls.Outcome o = calls.call(DoorbellFrame.request(1, XenHypercall.KEXEC_OP, -4096, false, 1, 6L, -4096L), window);
        assertThat(o).isEqualTo(new Dom0Hypercalls.Outcome.Returned(e(Errno.EFAULT)));
    }

    @Test
    void framesRoundTrip() {
        DoorbellFrame.Request r = DoorbellFrame.request(0x1122334455667788L, 37, VA, true, 4242, 1, 2, 3, 4, 5);
        DoorbellFrame.Request back = DoorbellFrame.decodeRequest(r.encode());
        assertThat(back.seq()).isEqualTo(r.seq());
        assertThat(back.args()).containsExactly(1, 2, 3, 4, 5);
        assertThat(back.compat()).isTrue();
        assertThat(back.caller()).isEqualTo(4242);
        assertThat(back.windowVa()).isEqualTo(VA);
        assertThat(DoorbellFrame.decodeResponse(DoorbellFrame.response(7, -22))).isEqualTo(new DoorbellFrame.Response(7, -22));
    }

    @Test
    void descriptorNamesTheWindowAndTheDoorbell() {
        byte[] d = HypercallWindow.descriptor(LAYOUT);
        assertThat(new String(d, 0, 8, StandardCharsets.US_ASCII)).isEqualTo("JKXHCALL");
        MemorySegment s = MemorySegment.ofArray(d);
        assertThat(s.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 16)).isEqualTo(LAYOUT.hypercallWindow());
        assertThat(s.get(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 24)).isEqualTo(MachineLayout.HYPERCALL_WINDOW_SIZE);
        assertThat(LAYOUT.guestMemoryMap().covers(LAYOUT.hypercallWindow(), MachineLayout.HYPERCALL_WINDOW_SIZE, E820Type.RESERVED)).isTrue();
    }

    @SuppressWarnings("unused")
    private static final long SEGMENT_SIZE = XenKexecSegment.SIZE;
}
