package dev.jkexec.machine.hypercall;

import static dev.jkexec.machine.hypercall.Dom0Fixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.crash.CoreDump;
import dev.jkexec.platform.testing.NeedsQemu;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Machine tests (QEMU, TCG): the hypercall channel itself, driven from inside a guest by
 * {@code jkhc} (raw hypercalls through the shim's channel: any bytes, any handles). First every
 * served hypercall with good and bad arguments; then a hostile guest — garbage and torn frames on
 * the doorbell, unknown numbers, handles outside the window or wrapping, sizes beyond the window,
 * a flood of calls while the operator works the machine, buffers rewritten during a load. Each
 * gets its errno, and jkexec keeps serving. One machine for the class.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@NeedsQemu
class HypercallChannelTest {
    private Machine m;
    private final List<String> notes = new CopyOnWriteArrayList<>();

    @BeforeAll
    void boot() {
        m = Dom0Fixture.boot(cloud(), layout(2));
        m.addListener(e -> {
            if (e instanceof MachineEvent.HypercallNote n) {
                notes.add(n.message());
            }
        });
    }

    @AfterAll
    void close() {
        if (m != null) {
            m.close();
        }
    }

    /** {@code jkhc ARGS}: its return value and buffers ("ret=N", "bI=HEX"). Busybox's shell reads lines of up to 1 KiB. */
    private Jkhc jkhc(String args) {
        assertThat(args.length()).isLessThan(1000);
        Result r = run(m, "jkhc " + args);
        assertThat(r.status()).as("jkhc %s: %s", args, r.output()).isZero();
        Matcher ret = Pattern.compile("ret=(-?\\d+)").matcher(r.output());
        assertThat(ret.find()).as(r.output()).isTrue();
        return new Jkhc(Long.parseLong(ret.group(1)), r.output());
    }

    record Jkhc(long ret, String output) {
        String buffer(int i) {
            Matcher b = Pattern.compile("b" + i + "=([0-9a-f]*)").matcher(output);
            return b.find() ? b.group(1) : "";
        }

        long u64(int buffer, int offset) {
            return Long.reverseBytes(Long.parseUnsignedLong(buffer(buffer).substring(2 * offset, 2 * offset + 16), 16));
        }

        int u32(int buffer, int offset) {
            return Integer.reverseBytes((int) Long.parseLong(buffer(buffer).substring(2 * offset, 2 * offset + 8), 16));
        }
    }

    private static String zeros(int bytes) {
        return "00".repeat(bytes);
    }

    @Test
    void everyServedHypercallWithGoodAndBadArguments() {
        MachineLayout layout = m.layout();
        // kexec_op get_range: MA_CRASH, MA_CPU 1, a vCPU that does not exist, MA_XEN (not provided).
        Jkhc crash = jkhc("-b " + zeros(24) + " call 37 3 b0");
        assertThat(crash.ret()).isZero();
        assertThat(crash.u64(0, 8)).isEqualTo(layout.crashSize());
        assertThat(crash.u64(0, 16)).isEqualTo(layout.crashBase());
        Jkhc cpu1 = jkhc("-b 0200000001000000" + zeros(16) + " call 37 3 b0");
        assertThat(cpu1.u64(0, 16)).isEqualTo(layout.crashNote(1));
        assertThat(jkhc("-b 0200000002000000" + zeros(16) + " call 37 3 b0").ret()).isEqualTo(-34);
        assertThat(jkhc("-b 01000000" + zeros(20) + " call 37 3 b0").ret()).isEqualTo(-22);
        // kexec_op status / unload, default and crash, and a bad type.
        assertThat(jkhc("-b 00 call 37 6 b0").ret()).isEqualTo(m.kexec().status(ImageType.DEFAULT) ? 1 : 0);
        assertThat(jkhc("-b 01 call 37 6 b0").ret()).isZero();
        assertThat(jkhc("-b 05 call 37 6 b0").ret()).isEqualTo(-22);
        assertThat(jkhc("-b 00 call 37 5 b0").ret()).isZero();
        assertThat(m.kexec().status(ImageType.DEFAULT)).isFalse();
        assertThat(jkhc("-b 00 call 37 6 b0").ret()).isZero();
        // kexec_op exec with nothing loaded: -ENOENT, and the guest runs on.
        assertThat(jkhc("-b 00000000 call 37 0 b0").ret()).isEqualTo(-2);
        assertThat(jkhc("-b 01000000 call 37 0 b0").ret()).isEqualTo(-2);
        // kexec_op load: one 4 KiB segment at 16 MiB (good), then 16 segments, a bad arch, a crash image outside the region.
        String seg = "{b2}" + "0010000000000000" + "0000000100000000" + "0010000000000000";
        assertThat(jkhc("-b 00003e0001000000{b1}0000000100000000 -b " + seg + " -b abcd:4096 call 37 4 b0").ret()).isZero();
        assertThat(m.kexec().image(ImageType.DEFAULT).orElseThrow().segments().getFirst().dest()).isEqualTo(16L << 20);
        assertThat(jkhc("-b 00003e0010000000{b1}0000000100000000 -b " + seg + " -b 00 call 37 4 b0").ret()).isEqualTo(-22);
        assertThat(jkhc("-b 0000280001000000{b1}0000000100000000 -b " + seg + " -b 00 call 37 4 b0").ret()).isEqualTo(-22);
        assertThat(jkhc("-b 01003e0001000000{b1}0000000100000000 -b " + seg + " -b 00 call 37 4 b0").ret()).isEqualTo(-99);
        assertThat(jkhc("-b 00 call 37 9 b0").ret()).isEqualTo(-95);
        // multicall wrapping memory_op XENMEM_machine_memory_map, as libxenctrl sends it.
        int n = m.layout().guestMemoryMap().ranges().size();
        Jkhc mc = jkhc("-b 0c00000000000000" + zeros(8) + "0a00000000000000{b1}:64 -b 4000000000000000{b2} -b 00:1280 call 13 b0 1");
        assertThat(mc.ret()).isZero();
        assertThat(mc.u64(0, 8)).isZero();
        assertThat(mc.u32(1, 0)).isEqualTo(n);
        assertThat(mc.u64(2, 20 + 8)).as("second e820 entry's size").isEqualTo(m.layout().guestMemoryMap().ranges().get(1).size());
        // sysctl physinfo: two vCPUs; another interface version is -EACCES.
        Jkhc pi = jkhc("-b 0300000015000000:136 call 35 b0");
        assertThat(pi.ret()).isZero();
        assertThat(pi.u32(0, 8 + 12)).as("max_cpu_id").isEqualTo(1);
        assertThat(jkhc("-b 0300000014000000:136 call 35 b0").ret()).isEqualTo(-13);
        // xen_version: version, capabilities, anything else.
        assertThat(jkhc("call 17 0 0").ret()).isEqualTo(0x40011);
        Jkhc caps = jkhc("-b 00:1024 call 17 3 b0");
        assertThat(caps.ret()).isZero();
        assertThat(caps.buffer(0)).startsWith(hex(Dom0Hypercalls.CAPABILITIES) + "00");
        assertThat(jkhc("call 17 6 0").ret()).isEqualTo(-38);
    }

    @Test
    void aHostileGuestGetsErrnosAndJkexecKeepsServing() throws Exception {
        // Unknown hypercall numbers: -ENOSYS, named to the operator once.
        assertThat(jkhc("call 24 1 2").ret()).isEqualTo(-38);
        assertThat(jkhc("call 24 1 2").ret()).isEqualTo(-38);
        assertThat(jkhc("call 0xffffffffffffffff").ret()).isEqualTo(-38);
        assertThat(notes.stream().filter(s -> s.contains("vcpu_op")).count()).isEqualTo(1);
        // Handles outside the window, wrapping, and sizes beyond it: -EFAULT.
        assertThat(jkhc("call 37 6 0x1000").ret()).isEqualTo(-14);
        assertThat(jkhc("call 37 6 0xfffffffffffffff8").ret()).isEqualTo(-14);
        assertThat(jkhc("-b 00003e0001000000{b1}0000000100000000 -b {w}0000100000000000000000010000000000001000 call 37 4 b0")
                .ret()).as("a 1 MiB buffer from near the window's end").isEqualTo(-14);
        assertThat(jkhc("-b 00003e0001000000{b1}0000000100000000 -b {b0}0000001000000000000000010000000000000010 call 37 4 b0")
                .ret()).as("256 MiB: above jkexec's default-image limit, refused before any byte is read").isEqualTo(-12);
        assertThat(jkhc("-b 00003e0001000000f0ffffffffffffff0000000100000000 call 37 4 b0").ret()).as("segments wrap").isEqualTo(-14);
        assertThat(jkhc("-b ffffff0000000000{b1} -b 00 call 12 10 b0").ret()).as("a 16M-entry e820 buffer").isEqualTo(-14);
        assertThat(jkhc("-b 00 call 13 b0 0xffffffff").ret()).as("4G multicall entries").isEqualTo(-22);
        // Garbage, and a frame of an unknown version, on the doorbell: skipped or refused, then served again.
        assertThat(run(m, "jkhc garbage 20000").output()).contains("then ret=" + 0x40011);
        assertThat(notes).anyMatch(s -> s.contains("bytes that are no request frame"));
        assertThat(run(m, "jkhc badframe").output()).contains("badframe ret=-22");
        // A torn frame (magic and version, then nothing) is dropped when the next frame arrives.
        assertThat(run(m, "printf 'JKHC\\001\\000' > /dev/ttyS1").status()).isZero();
        assertThat(jkhc("call 17 0 0").ret()).isEqualTo(0x40011);
        // A flood of calls never blocks the operator: machine operations go on while it runs.
        long from = m.console().mark();
        m.console().send("jkhc flood 3000 17 0 0\n".getBytes());
        Path where = Files.createTempDirectory(dumps(), "flood"); // a dump never replaces a file: a fresh name
        Path core = where.resolve("core.elf");
        for (int i = 0; i < 3; i++) {
            m.load(KernelSpec.busybox(cloud(), append("op")).withType(ImageType.CRASH));
            m.unload(ImageType.CRASH);
        }
        CoreDump.Written written = m.dump(core);
        assertThat(written.file()).exists();
        Files.delete(core);
        Files.delete(where);
        assertThat(m.console().awaitLine(Pattern.compile("flood 3000 ret=" + 0x40011), COMMAND, from)).isNotNull();
        assertThat(m.hypercalls().served()).isGreaterThan(3000);
        // Buffers rewritten by another thread while jkexec loads them: the load stores one version of
        // the bytes, and what it stored matches its digest (exec's check passes).
        assertThat(jkhc("race 4096").ret()).isZero();
        assertThat(m.kexec().image(ImageType.DEFAULT).orElseThrow().segments().getFirst().bufSize()).isEqualTo(16L << 20);
        m.kexec().exec(ImageType.DEFAULT, plan -> { });
        // Still serving, QEMU and the JVM fine.
        assertThat(jkhc("call 17 0 0").ret()).isEqualTo(0x40011);
        assertThat(m.qemu().isAlive()).isTrue();
    }

    private static String hex(String ascii) {
        StringBuilder b = new StringBuilder();
        for (char c : ascii.toCharArray()) {
            b.append(String.format("%02x", (int) c));
        }
        return b.toString();
    }
}
