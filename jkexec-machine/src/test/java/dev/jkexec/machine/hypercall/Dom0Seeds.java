package dev.jkexec.machine.hypercall;

import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.core.abi.AbiRequests;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.image.RealKernels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the seed corpora of {@link Dom0HypercallsFuzzTest} and {@link DoorbellFrameFuzzTest}: one
 * call of every kind a dom0 toolstack makes, as it lays it out in the window (the {@code kexec_op}
 * arguments by {@link AbiRequests}; loads whose destinations fit {@link Dom0FuzzMachine}, their
 * buffers slices of the real generic kernel), and doorbell streams of those frames. Run by
 * {@code jkexec-bench/fuzz.sh --seeds}; the output is committed.
 *
 * <pre>java -cp TEST_CLASSPATH dev.jkexec.machine.hypercall.Dom0Seeds MODULE_DIR</pre>
 */
public final class Dom0Seeds {
    static final long W = Dom0FuzzMachine.WINDOW_BASE;
    static final long PAGE = 4096;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Dom0Seeds() {
    }

    /** A seed: the request frame, then the window. */
    record Seed(DoorbellFrame.Request frame, byte[] window) {
        byte[] bytes() {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(frame.encode());
            out.writeBytes(window);
            return out.toByteArray();
        }
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0], "src/test/resources/dev/jkexec/machine/hypercall");
        Map<String, Seed> seeds = seeds();
        Path dispatch = dir.resolve("Dom0HypercallsFuzzTestInputs/dispatch");
        Files.createDirectories(dispatch);
        for (Map.Entry<String, Seed> e : seeds.entrySet()) {
            Files.write(dispatch.resolve(e.getKey()), e.getValue().bytes());
        }
        System.out.println(dispatch + ": " + seeds.size() + " seeds");

        Path doorbell = dir.resolve("DoorbellFrameFuzzTestInputs/doorbell");
        Files.createDirectories(doorbell);
        List<byte[]> frames = seeds.values().stream().map(s -> s.frame().encode()).toList();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(0);
        frames.forEach(all::writeBytes);
        Files.write(doorbell.resolve("seed-every-call-back-to-back"), all.toByteArray());
        ByteArrayOutputStream noisy = new ByteArrayOutputStream();
        noisy.write(13);
        for (int i = 0; i < 6; i++) {
            noisy.writeBytes("JKH\0noise JK".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            noisy.writeBytes(frames.get(i));
        }
        Files.write(doorbell.resolve("seed-frames-between-noise"), noisy.toByteArray());
        ByteArrayOutputStream torn = new ByteArrayOutputStream();
        torn.write(41);
        byte[] bad = new DoorbellFrame.Request(2, 0, 5, XenHypercall.KEXEC_OP, new long[5], W, 9).encode();
        torn.writeBytes(Arrays.copyOf(bad, 30));                       // a caller killed mid-write
        torn.writeBytes(frames.get(0));
        torn.writeBytes(bad);                                          // another version, whole
        torn.writeBytes(new DoorbellFrame.Request(1, 6, 6, XenHypercall.SYSCTL, new long[5], W, 9).encode());
        Files.write(doorbell.resolve("seed-torn-and-other-versions"), torn.toByteArray());
        System.out.println(doorbell + ": 3 seeds");
    }

    static Map<String, Seed> seeds() {
        byte[] kernel = RealKernels.generic();
        byte[] setup = Arrays.copyOf(kernel, 0x1000);
        int pm = ((kernel[0x1F1] & 0xFF) + 1) * 512;
        byte[] text = Arrays.copyOfRange(kernel, pm, pm + 2 * 4096 + 300);
        Map<String, Seed> s = new LinkedHashMap<>();
        s.put("seed-kexec-exec-default", kexec(AbiRequests.exec(W, 0)));
        s.put("seed-kexec-exec-crash", kexec(AbiRequests.exec(W, 1)));
        s.put("seed-kexec-unload-default", kexec(AbiRequests.unload(W, 0)));
        s.put("seed-kexec-unload-crash", kexec(AbiRequests.unload(W, 1)));
        s.put("seed-kexec-status-crash", kexec(AbiRequests.status(W, 1)));
        s.put("seed-kexec-get-range-crash", kexec(AbiRequests.getRange(W, RangeId.CRASH, 0)));
        s.put("seed-kexec-get-range-cpu1", kexec(AbiRequests.getRange(W, RangeId.CPU, 1)));
        s.put("seed-kexec-get-range-vmcoreinfo", kexec(AbiRequests.getRange(W, RangeId.VMCOREINFO, 0)));
        s.put("seed-kexec-unload-v1", kexec(AbiRequests.unloadV1(W, 0)));
        s.put("seed-kexec-unknown-command", kexec(AbiRequests.raw(7, W, 24)));
        List<AbiRequests.Segment> defaults = List.of(new AbiRequests.Segment(setup, 0x2000, PAGE),
                new AbiRequests.Segment(text, 0x30000, 4 * PAGE), new AbiRequests.Segment(null, 0x100000, 0x100000));
        s.put("seed-kexec-load-default", kexec(AbiRequests.load(W, 0, 62, 0x30200, defaults)));
        s.put("seed-kexec-load-default-386", kexec(AbiRequests.load(W, 0, 3, 0x30000, defaults.subList(0, 2))));
        long crash = Dom0FuzzMachine.CRASH.start();
        List<AbiRequests.Segment> crashes = List.of(new AbiRequests.Segment(text, crash + 0x10000, 4 * PAGE),
                new AbiRequests.Segment(setup, crash, PAGE), new AbiRequests.Segment(null, 0, 0x40000));
        s.put("seed-kexec-load-crash", kexec(AbiRequests.load(W, 1, 62, crash + 0x10200, crashes)));
        s.put("seed-kexec-load-v1-default", kexec(AbiRequests.loadV1(W, 0, 0x30200, defaults.subList(0, 2))));
        s.put("seed-kexec-load-v1-crash", kexec(AbiRequests.loadV1(W, 1, crash + 0x10200, crashes.subList(0, 2))));
        // Compat (32-bit) callers: their xen_kexec_range_t and unload_v1 layouts.
        byte[] range = new byte[PAGE_INT];
        s.put("seed-compat-get-range-crash", new Seed(DoorbellFrame.request(1, XenHypercall.KEXEC_OP, W, true, 7, 3, W), range));
        s.put("seed-compat-unload-v1", new Seed(DoorbellFrame.request(1, XenHypercall.KEXEC_OP, W, true, 7, 2, W), new byte[PAGE_INT]));
        // memory_op XENMEM_machine_memory_map: into a buffer, and the count only (NULL buffer).
        byte[] map = new byte[2 * PAGE_INT];
        MemorySegment.ofArray(map).set(U32, 0, 16);
        MemorySegment.ofArray(map).set(U64, 8, W + PAGE);
        s.put("seed-memory-map", new Seed(DoorbellFrame.request(1, XenHypercall.MEMORY_OP, W, false, 7, 10, W), map));
        byte[] compatMap = new byte[2 * PAGE_INT];
        MemorySegment.ofArray(compatMap).set(U32, 0, 16);
        MemorySegment.ofArray(compatMap).set(U32, 4, (int) (W + PAGE));
        s.put("seed-compat-memory-map", new Seed(DoorbellFrame.request(1, XenHypercall.MEMORY_OP, W, true, 7, 10, W), compatMap));
        s.put("seed-memory-map-count", new Seed(DoorbellFrame.request(1, XenHypercall.MEMORY_OP, W, false, 7, 10, W), new byte[16]));
        // sysctl physinfo, xen_version, an unserved hypercall.
        byte[] sysctl = new byte[136];
        MemorySegment.ofArray(sysctl).set(U32, 0, XenHypercall.XEN_SYSCTL_PHYSINFO);
        MemorySegment.ofArray(sysctl).set(U32, 4, XenHypercall.XEN_SYSCTL_INTERFACE_VERSION);
        s.put("seed-sysctl-physinfo", new Seed(DoorbellFrame.request(1, XenHypercall.SYSCTL, W, false, 7, W), sysctl));
        s.put("seed-xen-version", new Seed(DoorbellFrame.request(1, XenHypercall.XEN_VERSION, W, false, 7, 0, 0), new byte[0]));
        s.put("seed-xen-capabilities", new Seed(DoorbellFrame.request(1, XenHypercall.XEN_VERSION, W, false, 7, 3, W), new byte[1024]));
        s.put("seed-vcpu-op", new Seed(DoorbellFrame.request(1, 24, W, false, 7, 0, 0), new byte[0]));
        // multicall: kexec-tools' pattern (memory map, then the crash range, then a load), and an exec inside.
        byte[] mc = new byte[0x8000];
        byte[] load = AbiRequests.load(W + 0x4000, 0, 62, 0x30200, defaults.subList(0, 1)).memory();
        System.arraycopy(load, 0, mc, 0x4000, load.length);
        MemorySegment m = MemorySegment.ofArray(mc);
        m.set(U32, 0x1000, 16);
        m.set(U64, 0x1008, W + 0x2000);
        m.set(U64, 0x3000 + 16, 0); // xen_kexec_range_t at 0x3000: MA_CRASH, nr 0
        entry(m, 0, XenHypercall.MEMORY_OP, 10, W + 0x1000);
        entry(m, 1, XenHypercall.KEXEC_OP, 3, W + 0x3000);
        entry(m, 2, XenHypercall.KEXEC_OP, 4, W + 0x4000);
        entry(m, 3, XenHypercall.MULTICALL, W, 1);
        s.put("seed-multicall-map-range-load", new Seed(DoorbellFrame.request(1, XenHypercall.MULTICALL, W, false, 7, W, 4), mc));
        byte[] mcExec = new byte[0x2000];
        MemorySegment e = MemorySegment.ofArray(mcExec);
        entry(e, 0, XenHypercall.XEN_VERSION, 0, 0);
        entry(e, 1, XenHypercall.KEXEC_OP, 0, W + 0x1000); // exec default: xen_kexec_exec_t type 0 at 0x1000
        s.put("seed-multicall-exec", new Seed(DoorbellFrame.request(1, XenHypercall.MULTICALL, W, false, 7, W, 2), mcExec));
        byte[] mcCompat = new byte[0x2000];
        MemorySegment c = MemorySegment.ofArray(mcCompat);
        c.set(U32, 0, XenHypercall.XEN_VERSION);
        c.set(U32, 32, XenHypercall.KEXEC_OP);
        c.set(U32, 32 + 8, 6);
        c.set(U32, 32 + 12, (int) (W + 0x1000));
        s.put("seed-compat-multicall", new Seed(DoorbellFrame.request(1, XenHypercall.MULTICALL, W, true, 7, W, 2), mcCompat));
        return s;
    }

    private static final int PAGE_INT = (int) PAGE;

    /** multicall_entry_t {@code i}: op, result, args[0..1]. */
    private static void entry(MemorySegment m, int i, long op, long a0, long a1) {
        long at = 64L * i;
        m.set(U64, at, op);
        m.set(U64, at + 16, a0);
        m.set(U64, at + 24, a1);
    }

    /** A kexec_op with the request's argument, its memory as the window. */
    private static Seed kexec(AbiRequestFile f) {
        return new Seed(DoorbellFrame.request(1, XenHypercall.KEXEC_OP, W, false, 7, f.cmd(), f.argAddress()), f.memory());
    }
}
