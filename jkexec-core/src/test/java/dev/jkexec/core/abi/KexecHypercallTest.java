package dev.jkexec.core.abi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.Errno;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.KexecConfig;
import dev.jkexec.core.kexec.PageListWalker;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code kexec_op} end to end over the binary ABI: requests built by {@link AbiRequests}, placed in
 * the guest's RAM (the first 16 MiB of a 32 MiB machine; crash region 16–24 MiB, staging 24–28 MiB).
 */
@Pure
class KexecHypercallTest {
    static final long MIB = 1 << 20;
    static final long REQ = 12 * MIB;
    static final PhysicalRange CRASH = new PhysicalRange(16 * MIB, 8 * MIB);
    private final PhysicalMemory machine = PhysicalMemory.ofHeap(32 * MIB);
    private final PhysicalMemory guest = PhysicalMemory.of(machine.segment().asSlice(0, 16 * MIB));
    private final List<HandoverPlan> handovers = new ArrayList<>();
    private Kexec kexec;
    private KexecHypercall hypercall;

    @BeforeEach
    void setUp() {
        KexecConfig config = new KexecConfig(CRASH, new PhysicalRange(24 * MIB, 4 * MIB),
                List.of(new PhysicalRange(28 * MIB, 0x400)), new PhysicalRange(28 * MIB + 0x10000, 4096), 4 * MIB);
        kexec = new Kexec(config, machine);
        hypercall = new KexecHypercall(kexec, plan -> {
            handovers.add(plan);
            if (plan.relocates()) {
                PageListWalker.walk(machine, plan.pageListHead());
            }
        });
    }

    /** Puts the request's memory into guest RAM and issues it. */
    long call(AbiRequestFile r) {
        guest.write(r.memoryBase(), r.memory());
        return hypercall.kexecOp((int) r.cmd(), r.argAddress(), guest);
    }

    static byte[] data(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static AbiRequests.Segment seg(byte[] d, long dest, long size) {
        return new AbiRequests.Segment(d, dest, size);
    }

    @Test
    void load_status_exec_unload_of_a_default_image() {
        byte[] kernel = data(1, 10_000);
        assertThat(call(AbiRequests.status(REQ, 0))).isZero();
        assertThat(call(AbiRequests.load(REQ, 0, 62, 2 * MIB, List.of(seg(kernel, 2 * MIB, 0x4000), seg(null, 0, MIB))))).isZero();
        assertThat(call(AbiRequests.status(REQ, 0))).isEqualTo(1);
        // The guest may reuse its buffer right after the call: the image was copied.
        guest.zero(REQ, 2 * MIB);
        assertThat(call(AbiRequests.exec(REQ, 0))).isZero();
        assertThat(handovers).hasSize(1);
        assertThat(machine.read(2 * MIB, kernel.length)).isEqualTo(kernel);
        assertThat(machine.read(2 * MIB + kernel.length, 0x4000 - kernel.length)).containsOnly(0);
        assertThat(call(AbiRequests.unload(REQ, 0))).isZero();
        assertThat(call(AbiRequests.status(REQ, 0))).isZero();
    }

    @Test
    void crash_load_writes_the_region_and_crash_exec_hands_over_in_place() {
        byte[] kernel = data(2, 5000);
        assertThat(call(AbiRequests.load(REQ, 1, 3, CRASH.start(), List.of(seg(kernel, CRASH.start(), 0x2000))))).isZero();
        assertThat(machine.read(CRASH.start(), kernel.length)).isEqualTo(kernel);
        assertThat(call(AbiRequests.exec(REQ, 1))).isZero();
        assertThat(handovers.getFirst().arch()).isEqualTo(dev.jkexec.image.Arch.I386);
        assertThat(handovers.getFirst().relocates()).isFalse();
        assertThat(call(AbiRequests.status(REQ, 1))).as("the running crash kernel's image stays loaded").isEqualTo(1);
        assertThat(call(AbiRequests.load(REQ, 1, 3, CRASH.start(), List.of(seg(kernel, CRASH.start(), 0x2000)))))
                .as("frozen while the crash kernel runs").isEqualTo(-dev.jkexec.core.Errno.EBUSY.value());
    }

    @Test
    void damaged_crash_image_is_eio() {
        call(AbiRequests.load(REQ, 1, 62, CRASH.start(), List.of(seg(data(3, 100), CRASH.start(), 0x1000))));
        machine.write(CRASH.start() + 200, new byte[] {1});
        assertThat(call(AbiRequests.exec(REQ, 1))).isEqualTo(-Errno.EIO.value());
        assertThat(handovers).isEmpty();
    }

    @Test
    void get_range_writes_results_back_only_on_success() {
        AbiRequestFile r = AbiRequests.getRange(REQ, 0, 0);
        assertThat(call(r)).isZero();
        assertThat(guest.readLong(REQ + XenKexecRange.SIZE_FIELD)).isEqualTo(CRASH.size());
        assertThat(guest.readLong(REQ + XenKexecRange.START)).isEqualTo(CRASH.start());
        AbiRequestFile cpu = AbiRequests.getRange(REQ, 2, 0);
        assertThat(call(cpu)).isZero();
        assertThat(XenKexecRange.read(guest.slice(REQ, 24))).isEqualTo(new XenKexecRange(2, 0, 0x400, 28 * MIB));
        guest.write(REQ, new XenKexecRange(2, 1, 0xAAAA, 0xBBBB).toBytes());
        assertThat(hypercall.kexecOp(3, REQ, guest)).isEqualTo(-Errno.ERANGE.value());
        assertThat(XenKexecRange.read(guest.slice(REQ, 24))).isEqualTo(new XenKexecRange(2, 1, 0xAAAA, 0xBBBB));
        assertThat(call(AbiRequests.getRange(REQ, 1, 0))).isEqualTo(-Errno.EINVAL.value());
    }

    @Test
    void v1_load_and_unload_through_the_abi() {
        byte[] kernel = data(4, 6000);
        AbiRequestFile load = AbiRequests.loadV1(REQ, 0, 2 * MIB, List.of(seg(kernel, 2 * MIB, 0), seg(data(5, 10), 4 * MIB, 0)));
        assertThat(call(load)).isZero();
        assertThat(kexec.image(ImageType.DEFAULT).orElseThrow().segments()).hasSize(2);
        assertThat(call(AbiRequests.exec(REQ, 0))).isZero();
        assertThat(machine.read(2 * MIB, kernel.length)).isEqualTo(kernel);
        assertThat(call(AbiRequests.unloadV1(REQ, 0))).isZero();
        assertThat(call(AbiRequests.status(REQ, 0))).isZero();
    }

    @Test
    void list_spanning_several_pages_through_the_abi() {
        byte[] big = data(6, 600 * 4096); // 600 SOURCE entries: the builder links a second list page
        assertThat(call(AbiRequests.loadV1(REQ - 4 * MIB, 0, 0, List.of(seg(big, 2 * MIB, 0))))).isZero();
        assertThat(call(AbiRequests.exec(REQ, 0))).isZero();
        assertThat(machine.slice(2 * MIB, big.length).mismatch(MemorySegment.ofArray(big))).isEqualTo(-1);
    }

    /** Patches the little-endian bytes of a request's memory. */
    static AbiRequestFile patch(AbiRequestFile r, UnaryOperator<ByteBuffer> edit) {
        byte[] m = r.memory().clone();
        edit.apply(ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN));
        return new AbiRequestFile(r.cmd(), r.argAddress(), r.memoryBase(), m);
    }

    static Stream<Arguments> refusals() {
        AbiRequestFile load = AbiRequests.load(REQ, 0, 62, 0, List.of(seg(data(7, 100), 2 * MIB, 0x1000)));
        long seg0 = 0x100;
        return Stream.of(
                Arguments.of("unknown cmd 7", AbiRequests.raw(7, REQ, 24), Errno.EOPNOTSUPP),
                Arguments.of("unknown cmd 0xffffffff", AbiRequests.raw(0xFFFF_FFFFL, REQ, 24), Errno.EOPNOTSUPP),
                Arguments.of("argument outside guest RAM", new AbiRequestFile(4, 16 * MIB - 8, REQ, new byte[1]), Errno.EFAULT),
                Arguments.of("nr_segments 16 before the array is read",
                        patch(load, b -> b.putInt((int) XenKexecLoad.NR_SEGMENTS, 16).putLong((int) XenKexecLoad.SEGMENTS, -1)), Errno.EINVAL),
                Arguments.of("nr_segments 0xffffffff: no allocation", patch(load, b -> b.putInt(4, -1)), Errno.EINVAL),
                Arguments.of("segment array outside", patch(load, b -> b.putLong(8, 16 * MIB - 16)), Errno.EFAULT),
                Arguments.of("buffer outside", patch(load, b -> b.putLong((int) seg0, 16 * MIB - 50)), Errno.EFAULT),
                Arguments.of("buffer wraps", patch(load, b -> b.putLong((int) seg0, -50)), Errno.EFAULT),
                Arguments.of("huge buf_size: refused by the rules, nothing read",
                        patch(load, b -> b.putLong((int) seg0 + 8, Long.MAX_VALUE)), Errno.EINVAL),
                Arguments.of("bad buffer, misaligned destination: rules first",
                        patch(load, b -> b.putLong((int) seg0, -50).putLong((int) seg0 + 16, 2 * MIB + 1)), Errno.EADDRNOTAVAIL),
                Arguments.of("type 2", patch(load, b -> b.put(0, (byte) 2)), Errno.EINVAL),
                Arguments.of("arch 40", patch(load, b -> b.putShort(2, (short) 40)), Errno.EINVAL),
                Arguments.of("exec of nothing", AbiRequests.exec(REQ, 0), Errno.ENOENT),
                Arguments.of("exec type -1", AbiRequests.exec(REQ, -1), Errno.EINVAL),
                Arguments.of("status type 9", AbiRequests.status(REQ, 9), Errno.EINVAL),
                Arguments.of("unload type 2", AbiRequests.unload(REQ, 2), Errno.EINVAL),
                Arguments.of("unload_v1 type 3", AbiRequests.unloadV1(REQ, 3), Errno.EINVAL),
                Arguments.of("v1 list page outside", patch(AbiRequests.loadV1(REQ, 0, 0, List.of()),
                        b -> b.putLong((int) (XenKexecLoadV1.IMAGE + XenKexecImage.INDIRECTION_PAGE), 64 * MIB)), Errno.EFAULT),
                Arguments.of("crash load outside the region", AbiRequests.load(REQ, 1, 62, CRASH.start(),
                        List.of(seg(data(8, 10), 2 * MIB, 0x1000))), Errno.EADDRNOTAVAIL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refusals_return_minus_errno(String name, AbiRequestFile request, Errno errno) {
        if (request.memoryBase() + request.memory().length <= guest.size()) {
            guest.write(request.memoryBase(), request.memory());
        }
        assertThat(hypercall.kexecOp((int) request.cmd(), request.argAddress(), guest)).isEqualTo(-errno.value());
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
        assertThat(handovers).isEmpty();
    }

    @Test
    void garbage_never_escapes_as_an_exception() {
        Random r = new Random(42);
        byte[] junk = new byte[64 * 1024];
        for (int i = 0; i < 3000; i++) {
            r.nextBytes(junk);
            guest.write(REQ, junk);
            long addr = r.nextBoolean() ? REQ + r.nextInt(60_000) : r.nextLong();
            long rc = hypercall.kexecOp(r.nextInt(9) - 1, addr, guest);
            assertThat(rc).isIn(0L, 1L, -1L * Errno.EFAULT.value(), -1L * Errno.EINVAL.value(), -1L * Errno.EOPNOTSUPP.value(),
                    -1L * Errno.EADDRNOTAVAIL.value(), -1L * Errno.ENOENT.value(), -1L * Errno.ERANGE.value(),
                    -1L * Errno.ENOMEM.value(), -1L * Errno.EIO.value());
        }
    }
}
