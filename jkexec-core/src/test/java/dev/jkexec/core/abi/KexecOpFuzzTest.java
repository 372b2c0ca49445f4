package dev.jkexec.core.abi;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz targets of the binary {@code kexec_op} ABI, on inputs in the {@link AbiRequestFile} format
 * ({@code jkexec abi decode}'s input; seeds: one request of every command, built by
 * {@link AbiRequests} as a guest lays them out, the loads carrying slices of the real kernel's
 * planned segments).
 *
 * <ul>
 *   <li>{@link #decode}: the request file parser and the argument decoder ({@link AbiRequestFile#parse},
 *       {@link KexecRequests#decode}). A parsed file re-encodes to the same bytes; a decoded
 *       argument structure and segment array re-encode to the bytes in guest memory (the padding
 *       Xen ignores excepted: {@code xen_kexec_load._pad}, the 4 bytes after
 *       {@code xen_kexec_load_v1.type}).</li>
 *   <li>{@link #dispatch}: the whole hypercall ({@link KexecHypercall#kexecOp}) on a real core
 *       ({@link FuzzMachine}) with a default and a crash image loaded. It returns 0, 1 or a Xen
 *       errno and never throws; a rejected call leaves both slots, the core's memory and the
 *       guest's memory byte-identical (every 16th rejected input, both images are then exec'd:
 *       their digests verify and the walked page list gives exactly their bytes); a successful load is what exec then hands over (the staged
 *       page list, walked, reproduces the buffers); a successful crash load is in the crash region.</li>
 * </ul>
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class KexecOpFuzzTest {
    static final int MAX_INPUT = 256 << 10;
    static final FuzzMachine MACHINE = new FuzzMachine();

    @FuzzTest
    void decode(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, List.of(ImageFormatException.class, KexecException.class), bytes -> {
            AbiRequestFile file = AbiRequestFile.parse(bytes);
            Hostile.sameBytes(bytes, file.toBytes(), "request file re-encoded");
            PhysicalMemory guest = file.guestMemory();
            KexecRequest r = KexecRequests.decode(file.cmd(), file.argAddress(), guest);
            check(r.command().code() == file.cmd(), "decoded as another command");
            byte[] arg = guest.read(file.argAddress(), Math.toIntExact(r.command().argumentSize()));
            byte[] encoded = r.argument().toBytes();
            check(encoded.length == arg.length, r.argument().cName() + " re-encodes to " + encoded.length + " bytes");
            ignorePadding(r.argument(), arg);
            Hostile.sameBytes(arg, encoded, r.argument().cName() + " re-encoded");
            if (r instanceof KexecRequest.Load load) {
                XenKexecLoad a = load.argument();
                check(load.segments().size() == a.nrSegments(), "segment count");
                for (int i = 0; i < load.segments().size(); i++) {
                    byte[] raw = guest.read(a.segments() + i * XenKexecSegment.SIZE, (int) XenKexecSegment.SIZE);
                    Hostile.sameBytes(raw, load.segments().get(i).toBytes(), "segments[" + i + "] re-encoded");
                }
            }
        });
    }

    /** Zeroes the bytes Xen ignores, which the encoders write as 0. */
    static void ignorePadding(AbiStruct s, byte[] raw) {
        if (s instanceof XenKexecLoad) {
            raw[(int) XenKexecLoad.PAD] = 0;
        } else if (s instanceof XenKexecLoadV1) {
            Arrays.fill(raw, 4, 8, (byte) 0);
        }
    }

    @FuzzTest
    void dispatch(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, List.of(), bytes -> {
            Optional<AbiRequestFile> parsed = lenient(bytes);
            if (parsed.isEmpty()) {
                return;
            }
            AbiRequestFile file = parsed.get();
            FuzzMachine m = MACHINE;
            m.reset();
            PhysicalMemory guest = file.guestMemory();
            byte[] guestBefore = file.memory().clone();
            List<byte[]> preloaded = FuzzMachine.buffers(
                    file.cmd() == KexecCommand.EXEC.code() && execType(file).orElse(-1) == 1 ? FuzzMachine.CRASH_IMAGE : FuzzMachine.DEFAULT);

            long rc = new KexecHypercall(m.kexec, m.target(preloaded)).kexecOp((int) file.cmd(), file.argAddress(), guest);

            check(rc == 0 || rc == 1 || (rc < 0 && Errno.ofValue((int) rc) != null), "kexec_op returned " + rc);
            if (rc < 0) {
                check(m.kexec.image(ImageType.DEFAULT).equals(m.defaultInfo), "a rejected call changed the default slot");
                check(m.kexec.image(ImageType.CRASH).equals(m.crashInfo), "a rejected call changed the crash slot");
                check(m.memoryIntact(), "a rejected call changed physical memory");
                Hostile.sameBytes(guestBefore, file.memory(), "guest memory after a rejected call");
                check(m.handedOver.isEmpty(), "a rejected call handed over");
                if ((bytes.length & 15) == 0) {
                    // Every 16th input: the held bytes themselves, not only their record, are the same —
                    // exec verifies both digests and hands over exactly the pre-loaded images (crash
                    // first: a crash exec freezes the crash slot until a default exec).
                    m.kexec.exec(ImageType.CRASH, m.target(FuzzMachine.buffers(FuzzMachine.CRASH_IMAGE)));
                    m.kexec.exec(ImageType.DEFAULT, m.target(FuzzMachine.buffers(FuzzMachine.DEFAULT)));
                    check(m.handedOver.size() == 2, "the pre-loaded images were not handed over after a rejected call");
                }
                return;
            }
            KexecRequest r = KexecRequests.decode(file.cmd(), file.argAddress(), PhysicalMemory.window(file.memoryBase(),
                    MemorySegment.ofArray(guestBefore)));
            if (!(r instanceof KexecRequest.GetRange)) {
                Hostile.sameBytes(guestBefore, file.memory(), "guest memory after " + r.command());
            }
            if (r instanceof KexecRequest.Load load) {
                loaded(m, load, guest);
            }
        });
    }

    /** A successful load: the slot holds it, and exec hands over exactly its bytes. */
    private static void loaded(FuzzMachine m, KexecRequest.Load load, PhysicalMemory guest) {
        ImageType type = ImageType.ofCode(load.argument().type());
        ImageInfo info = m.kexec.image(type).orElseThrow(() -> new AssertionError("loaded, yet the slot is empty"));
        check(info.segments().size() == load.segments().size(), "slot holds another segment count");
        List<byte[]> buffers = new ArrayList<>();
        for (int i = 0; i < load.segments().size(); i++) {
            XenKexecSegment s = load.segments().get(i);
            buffers.add(s.buf() == 0 ? null : KexecRequests.buffer(guest, load.segments(), i).toArray(ValueLayout.JAVA_BYTE));
        }
        if (type == ImageType.CRASH) {
            for (int i = 0; i < load.segments().size(); i++) {
                XenKexecSegment s = load.segments().get(i);
                if (buffers.get(i) != null && s.destSize() != 0) {
                    byte[] expected = Arrays.copyOf(buffers.get(i), Math.toIntExact(s.destSize()));
                    Hostile.sameBytes(expected, m.memory.read(s.destMaddr(), Math.toIntExact(s.destSize())), "crash segment " + i + " in the region");
                }
            }
        }
        m.kexec.exec(type, m.target(buffers));
        check(m.handedOver.size() == 1, "exec of a fresh load handed over " + m.handedOver.size() + " times");
    }

    private static Optional<Integer> execType(AbiRequestFile f) {
        PhysicalMemory g = f.guestMemory();
        return g.contains(f.argAddress(), 4) ? Optional.of(g.readInt(f.argAddress())) : Optional.empty();
    }

    /**
     * The request in the file, taking the memory to be whatever follows the header: mutations that
     * change the length keep exercising the hypercall instead of failing the file's size check
     * ({@link #decode} covers the strict parser).
     */
    static Optional<AbiRequestFile> lenient(byte[] b) {
        if (b.length < AbiRequestFile.HEADER_SIZE) {
            return Optional.empty();
        }
        MemorySegment s = MemorySegment.ofArray(b);
        ValueLayout.OfLong u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        long cmd = Integer.toUnsignedLong(s.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), AbiRequestFile.CMD));
        long base = s.get(u64, AbiRequestFile.MEMORY_BASE) & 0x0000_FFFF_FFFF_FFFFL;
        return Optional.of(new AbiRequestFile(cmd, s.get(u64, AbiRequestFile.ARG_ADDRESS), base,
                Arrays.copyOfRange(b, AbiRequestFile.HEADER_SIZE, b.length)));
    }
}
