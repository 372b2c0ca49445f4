package dev.jkexec.machine.hypercall;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.core.Errno;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: the hypercall dispatcher a guest's dom0 toolstack calls ({@link Dom0Hypercalls#call}):
 * every {@code KEXEC_CMD_*}, {@code multicall}, {@code memory_op}, {@code sysctl},
 * {@code xen_version} and anything else, 64-bit and compat callers, over a real kexec core
 * ({@link Dom0FuzzMachine}) with a default and a crash image loaded. Input: an 80-byte doorbell
 * request frame (its magic is not read: {@link DoorbellFrameFuzzTest} covers the framing), then the
 * hypercall window's contents ({@value Dom0FuzzMachine#WINDOW_SIZE} bytes at most, the rest zero).
 *
 * <p>Invariants, beyond "nothing escapes":
 * <ul>
 *   <li>no untyped exception inside: the dispatcher turns one into -EIO and tells the operator
 *       "failed in jkexec", which is a finding here; every operator message is one line;</li>
 *   <li>a call returns 0, 1 ({@code status}), Xen's version ({@code xen_version}) or a Xen errno, or
 *       hands over exactly once;</li>
 *   <li>a rejected call leaves both slots, the core's physical memory and the whole window
 *       byte-identical, and hands nothing over;</li>
 *   <li>a multicall whose every entry was rejected changes nothing but the entries' result fields.</li>
 * </ul>
 * Seeds ({@code Dom0Seeds}): one call of every kind as a guest lays it out, v1 and new loads carrying
 * slices of the real generic kernel.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class Dom0HypercallsFuzzTest {
    static final int MAX_INPUT = DoorbellFrame.REQUEST_SIZE + Dom0FuzzMachine.WINDOW_SIZE;
    static final Dom0FuzzMachine MACHINE = new Dom0FuzzMachine();
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @FuzzTest
    void dispatch(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, List.of(), bytes -> {
            if (bytes.length < DoorbellFrame.REQUEST_SIZE) {
                return;
            }
            byte[] frame = Arrays.copyOf(bytes, DoorbellFrame.REQUEST_SIZE);
            MemorySegment.ofArray(frame).set(U32, 0, DoorbellFrame.REQUEST_MAGIC);
            DoorbellFrame.Request request = DoorbellFrame.decodeRequest(frame);
            byte[] window = Arrays.copyOfRange(bytes, DoorbellFrame.REQUEST_SIZE,
                    DoorbellFrame.REQUEST_SIZE + Dom0FuzzMachine.WINDOW_SIZE);
            byte[] before = window.clone();
            Dom0FuzzMachine m = MACHINE;
            m.reset();
            List<String> told = new ArrayList<>();
            Dom0Hypercalls calls = new Dom0Hypercalls(m, Dom0FuzzMachine.FACTS, told::add);

            Dom0Hypercalls.Outcome outcome = calls.call(request, HypercallWindow.of(Dom0FuzzMachine.WINDOW_BASE, MemorySegment.ofArray(window)));

            for (String t : told) {
                check(!t.contains("failed in jkexec"), "an untyped exception inside the dispatcher: " + t);
                check(t.indexOf('\n') < 0 && t.indexOf('\r') < 0, "operator message over several lines: " + t);
            }
            if (outcome instanceof Dom0Hypercalls.Outcome.HandedOver) {
                check(m.handedOver.size() == 1, "handed over " + m.handedOver.size() + " times");
                check(request.op() == XenHypercall.KEXEC_OP || request.op() == XenHypercall.MULTICALL,
                        "hypercall " + request.op() + " handed over");
                return;
            }
            long rc = ((Dom0Hypercalls.Outcome.Returned) outcome).value();
            check(rc == 0 || rc == 1 || rc == ((XenHypercall.XEN_MAJOR << 16) | XenHypercall.XEN_MINOR)
                    || (rc < 0 && (int) rc == rc && Errno.ofValue((int) rc) != null), "hypercall returned " + rc);
            check(m.handedOver.isEmpty(), "returned " + rc + " after a handover");
            if (rc < 0) {
                unchanged(m, before, window, "a rejected call (" + rc + ")");
            } else if (request.op() == XenHypercall.MULTICALL && request.wellFormed()) {
                allRejected(m, request, before, window);
            }
        });
    }

    private static void unchanged(Dom0FuzzMachine m, byte[] before, byte[] window, String what) {
        check(m.slotsIntact(), what + " changed a slot");
        check(m.memoryIntact(), what + " changed physical memory");
        Hostile.sameBytes(before, window, "the window after " + what);
    }

    /** A multicall whose entries were all rejected: only their result fields changed. */
    private static void allRejected(Dom0FuzzMachine m, DoorbellFrame.Request r, byte[] before, byte[] window) {
        long n = r.arg(1) & 0xFFFF_FFFFL;
        int size = r.compat() ? Dom0Hypercalls.MULTICALL_ENTRY_COMPAT : Dom0Hypercalls.MULTICALL_ENTRY;
        long first = r.arg(0) - r.windowVa();
        byte[] expected = before.clone();
        MemorySegment after = MemorySegment.ofArray(window);
        MemorySegment patched = MemorySegment.ofArray(expected);
        for (long i = 0; i < n; i++) {
            long result = first + i * size + (r.compat() ? 4 : 8);
            long value = r.compat() ? after.get(U32, result) : after.get(U64, result);
            if (value >= 0) {
                return; // an entry succeeded: it may change anything it is allowed to
            }
            if (r.compat()) {
                patched.set(U32, result, (int) value);
            } else {
                patched.set(U64, result, value);
            }
        }
        unchanged(m, expected, window, "a multicall of " + n + " rejected entries");
    }
}
