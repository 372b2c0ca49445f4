package dev.jkexec.core.abi;

import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.image.RealKernels;
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
 * Writes the seed corpora of jkexec-core's fuzz targets: one {@code kexec_op} request of every
 * command as a guest lays it out ({@link AbiRequests}), loads whose destinations fit
 * {@link FuzzMachine}, and the v1 indirection lists of those loads. Segment data: slices of the
 * real generic kernel (its setup sectors, the start of its protected-mode code). Run by {@code jkexec-bench/fuzz.sh --seeds}; the output is committed.
 *
 * <pre>java -cp TEST_CLASSPATH dev.jkexec.core.abi.CoreSeeds MODULE_DIR</pre>
 */
public final class CoreSeeds {
    static final long BASE = 0x100000;
    static final long PAGE = 4096;

    private CoreSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path resources = Path.of(args[0], "src/test/resources/dev/jkexec/core");
        byte[] kernel = RealKernels.generic();
        byte[] setup = Arrays.copyOf(kernel, 0x1000);
        int pm = ((kernel[0x1F1] & 0xFF) + 1) * 512;
        byte[] text = Arrays.copyOfRange(kernel, pm, pm + 2 * 4096 + 300);
        Map<String, AbiRequestFile> requests = new LinkedHashMap<>();
        requests.put("seed-exec-default", AbiRequests.exec(BASE, 0));
        requests.put("seed-exec-crash", AbiRequests.exec(BASE, 1));
        requests.put("seed-unload-default", AbiRequests.unload(BASE, 0));
        requests.put("seed-unload-crash", AbiRequests.unload(BASE, 1));
        requests.put("seed-status-crash", AbiRequests.status(BASE, 1));
        requests.put("seed-get-range-crash", AbiRequests.getRange(BASE, RangeId.CRASH, 0));
        requests.put("seed-get-range-cpu1", AbiRequests.getRange(BASE, RangeId.CPU, 1));
        requests.put("seed-get-range-vmcoreinfo", AbiRequests.getRange(BASE, RangeId.VMCOREINFO, 0));
        requests.put("seed-unload-v1", AbiRequests.unloadV1(BASE, 0));
        requests.put("seed-unknown-command", AbiRequests.raw(7, BASE, 24));
        List<AbiRequests.Segment> defaults = List.of(new AbiRequests.Segment(setup, 0x2000, PAGE),
                new AbiRequests.Segment(text, 0x30000, 4 * PAGE), new AbiRequests.Segment(null, 0x100000, 0x100000));
        requests.put("seed-load-default", AbiRequests.load(BASE, 0, 62, 0x30200, defaults));
        requests.put("seed-load-default-386", AbiRequests.load(BASE, 0, 3, 0x30000, defaults.subList(0, 2)));
        long crash = FuzzMachine.CRASH.start();
        List<AbiRequests.Segment> crashes = List.of(new AbiRequests.Segment(text, crash + 0x10000, 4 * PAGE),
                new AbiRequests.Segment(setup, crash, PAGE), new AbiRequests.Segment(null, 0, 0x40000));
        requests.put("seed-load-crash", AbiRequests.load(BASE, 1, 62, crash + 0x10200, crashes));
        requests.put("seed-load-v1-default", AbiRequests.loadV1(BASE, 0, 0x30200, defaults.subList(0, 2)));
        requests.put("seed-load-v1-crash", AbiRequests.loadV1(BASE, 1, crash + 0x10200, crashes.subList(0, 2)));
        Path kexecOp = resources.resolve("abi/KexecOpFuzzTestInputs");
        Files.createDirectories(kexecOp);
        for (Map.Entry<String, AbiRequestFile> e : requests.entrySet()) {
            Files.write(kexecOp.resolve(e.getKey()), e.getValue().toBytes());
        }
        System.out.println(kexecOp + ": " + requests.size() + " seeds (shared by decode and dispatch)");

        Path lists = resources.resolve("kexec/V1IndirectionListFuzzTestInputs/indirectionList");
        Files.createDirectories(lists);
        int n = 0;
        for (String v1 : List.of("seed-load-v1-default", "seed-load-v1-crash")) {
            AbiRequestFile f = requests.get(v1);
            Files.write(lists.resolve(v1), listInput(BASE + PAGE, f.memoryBase(), f.memory()));
            n++;
        }
        Files.write(lists.resolve("seed-two-list-pages"), listInput(BASE, BASE, twoPageList()));
        System.out.println(lists + ": " + (n + 1) + " seeds");
    }

    /** The walker's input: {@code u64 first_page, u64 window_base}, then the window. */
    static byte[] listInput(long first, long base, byte[] memory) {
        byte[] b = new byte[16 + memory.length];
        MemorySegment s = MemorySegment.ofArray(b);
        ValueLayout.OfLong u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        s.set(u64, 0, first);
        s.set(u64, 8, base);
        System.arraycopy(memory, 0, b, 16, memory.length);
        return b;
    }

    /** A list over two pages: 600 entries that keep naming the same destination, a link, a source, DONE. */
    static byte[] twoPageList() {
        byte[] m = new byte[(int) (3 * PAGE)];
        MemorySegment s = MemorySegment.ofArray(m);
        ValueLayout.OfLong u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 511; i++) {
            s.set(u64, 8L * i, 0x30000 | 1);
        }
        s.set(u64, 8L * 511, (BASE + PAGE) | 2);
        for (int i = 0; i < 89; i++) {
            s.set(u64, PAGE + 8L * i, 0x30000 | 1);
        }
        s.set(u64, PAGE + 8L * 89, (BASE + 2 * PAGE) | 8);
        s.set(u64, PAGE + 8L * 90, 4);
        return m;
    }
}
