package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A machine test (QEMU, TCG): a running machine operated through its REST API, as jkexec ctl and jkexec dump do. */
@NeedsQemu
class ApiServerTest {
    @TempDir
    Path dir;

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return status + "|" + out + err;
    }

    @Test
    void operatesARunningMachine() throws Exception {
        Path k = GuestAssets.cloudKernel();
        Path socket = dir.resolve("api.sock");
        MachineOptions o = MachineOptions.builder().layout(new MachineLayout(256L << 20, 160L << 20, 128L << 20, 1))
                .dumpDirectory(dir).build();
        try (Machine m = Machine.start(o); ApiServer server = ApiServer.start(m, socket, false)) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(k, "console=ttyS0 jkexec.gen=1 jkexec.marker=ctl"));
            m.console().awaitLine(Pattern.compile("jkexec-guest: init ready gen=1"), Duration.ofSeconds(90), from);

            try (ApiClient api = new ApiClient(socket)) {
                JsonNode status = api.get("/machine");
                assertThat(status.path("images").path("default").path("loaded").asBoolean()).isTrue();
                assertThat(status.path("images").path("default").path("arch").asText()).isEqualTo("EM_X86_64");
                assertThat(status.path("images").path("crash").path("loaded").asBoolean()).isFalse();
                assertThat(status.path("state").asText()).isEqualTo("running");
            }
            assertThat(run("ctl", "status", "--api", socket.toString())).startsWith("0|").contains("images.default.loaded: true");

            assertThat(run("ctl", "load", "--api", socket.toString(), "--type", "crash", "--kernel", k.toString(),
                    "--append", "console=ttyS0 jkexec.gen=crash")).startsWith("0|").contains("type: crash").contains("loaded: true");
            assertThat(run("ctl", "image", "--api", socket.toString(), "--type", "crash")).startsWith("0|").contains("sha256: ");
            assertThat(run("ctl", "range", "--api", socket.toString(), "crash")).startsWith("0|")
                    .contains("range: KEXEC_RANGE_MA_CRASH").contains("size: 0x" + Long.toHexString(160L << 20));
            Path core = dir.resolve("guest.elf");
            assertThat(run("dump", "--api", socket.toString(), core.toString())).startsWith("0|").contains("cpus: 1");
            assertThat(core).exists();
            assertThat(Files.size(core)).isGreaterThan(255L << 20); // guest RAM less the 0xA0000-0xFFFFF hole, plus headers
            assertThat(run("dump", "--api", socket.toString(), core.toString())).startsWith("1|").contains("exists")
                    .contains("--force").doesNotContain("Exception");
            Path kdump = dir.resolve("guest.kdump");
            assertThat(run("dump", "--api", socket.toString(), "--format", "kdump-zlib", kdump.toString())).startsWith("0|")
                    .contains("format: kdump-zlib").contains("dump level 31");
            assertThat(Files.size(kdump)).isLessThan(Files.size(core) / 4);
            assertThat(run("dump", "--api", socket.toString(), "--format", "tar", kdump.toString())).startsWith("1|")
                    .contains("action.format: \"tar\" is not elf, kdump-zlib or kdump-zstd").contains("EINVAL");

            assertThat(run("ctl", "unload", "--api", socket.toString())).startsWith("2|").contains("--type");
            assertThat(run("ctl", "exec", "--api", socket.toString(), "--type", "sideways")).startsWith("2|").contains("--type: 'sideways' is neither default nor crash");
            try (ApiClient api = new ApiClient(socket)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> api.put("/actions",
                        (com.fasterxml.jackson.databind.node.ObjectNode) ApiJson.JSON.readTree("{\"action\":\"warp\"}")))
                        .hasMessageContaining("action.action: \"warp\" is none of exec, crash, dump, pause, resume");
            }

            java.util.concurrent.LinkedBlockingQueue<JsonNode> events = new java.util.concurrent.LinkedBlockingQueue<>();
            ApiClient listener = new ApiClient(socket);
            java.util.concurrent.CountDownLatch subscribed = new java.util.concurrent.CountDownLatch(1);
            Thread t = Thread.ofPlatform().daemon().start(() -> listener.events(subscribed::countDown,
                    e -> events.add(e) && !e.path("event").asText().equals("handover")));
            assertThat(subscribed.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            long mark = m.console().mark();
            assertThat(run("ctl", "crash", "--api", socket.toString())).startsWith("0|").contains("outcome: crash-kernel")
                    .contains("vmcoreinfo: VMCOREINFO of Linux 6.1.0-56-cloud-amd64");
            assertThat(run("ctl", "load", "--api", socket.toString(), "--type", "crash", "--kernel", k.toString()))
                    .startsWith("1|").contains("the crash kernel is running").contains("EBUSY");
            // GET /events saw the handover into the crash kernel (the crash event follows it)
            JsonNode e = events.poll(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(e).as("an event").isNotNull();
            assertThat(e.path("event").asText()).isEqualTo("handover");
            assertThat(e.path("type").asText()).isEqualTo("crash");
            t.join(10_000);
            listener.close();
            m.console().awaitLine(Pattern.compile("jkexec-guest: vmcore mailbox JKEXEC-MARKER:ctl"), Duration.ofSeconds(90), mark);
        }
        assertThat(socket).doesNotExist();
    }

    /**
     * {@code jkexec ctl hypercall FILE}: raw {@code kexec_op} requests in Xen's byte layouts from the
     * host, through the same dispatcher as the guest's hypercall. An EM_386 image (jkexec's toolstack,
     * 32-bit entry) is loaded from the request's own memory and executed: the firmware enters it through
     * the 32-bit protocol and the kernel reaches init.
     */
    @Test
    void servesRawKexecOpRequestsFromTheHost() throws Exception {
        Path k = GuestAssets.cloudKernel();
        Path socket = dir.resolve("api.sock");
        MachineOptions o = MachineOptions.builder().layout(new MachineLayout(256L << 20, 160L << 20, 128L << 20, 1)).dumpDirectory(dir).build();
        try (Machine m = Machine.start(o); ApiServer server = ApiServer.start(m, socket, false)) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(k, "console=ttyS0 jkexec.gen=1"));
            m.console().awaitLine(Pattern.compile("jkexec-guest: init ready gen=1"), Duration.ofSeconds(90), from);
            m.unload(dev.jkexec.image.ImageType.DEFAULT);

            dev.jkexec.image.KexecImage image = m.toolstack().plan(KernelSpec.busybox(k, "console=ttyS0 jkexec.gen=2").withEntry(32)).image();
            assertThat(image.arch()).isEqualTo(dev.jkexec.image.Arch.I386);
            java.util.List<dev.jkexec.core.abi.AbiRequests.Segment> segs = new java.util.ArrayList<>();
            for (dev.jkexec.image.KexecSegment s : image.segments()) {
                segs.add(new dev.jkexec.core.abi.AbiRequests.Segment(s.bufferSize() == 0 ? null
                        : s.buffer().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), s.destination(), s.destinationSize()));
            }
            Path load = dir.resolve("load.abi");
            dev.jkexec.core.abi.AbiRequests.load(0x100000, 0, 3, image.entry(), segs).write(load);
            assertThat(run("ctl", "hypercall", "--api", socket.toString(), load.toString())).startsWith("0|").contains("ret: 0");
            assertThat(m.kexec().image(dev.jkexec.image.ImageType.DEFAULT).orElseThrow().arch()).isEqualTo(dev.jkexec.image.Arch.I386);

            Path status = dir.resolve("status.abi");
            dev.jkexec.core.abi.AbiRequests.status(0x100000, 0).write(status);
            assertThat(run("ctl", "hypercall", "--api", socket.toString(), status.toString())).startsWith("0|").contains("ret: 1");
            dev.jkexec.core.abi.AbiRequests.status(0x100000, 7).write(status);
            assertThat(run("ctl", "hypercall", "--api", socket.toString(), status.toString())).startsWith("1|")
                    .contains("ret: -22").contains("errno: EINVAL");
            Path range = dir.resolve("range.abi");
            dev.jkexec.core.abi.AbiRequests.getRange(0x100000, 0, 0).write(range);
            assertThat(run("ctl", "hypercall", "--api", socket.toString(), range.toString())).startsWith("0|")
                    .contains("arg: 00000000000000000000000a");
            assertThat(run("ctl", "hypercall", "--api", socket.toString(), "/dev/zero")).startsWith("1|")
                    .contains("hypercall: /dev/zero: a character device, not a regular file");
            Files.write(range, new byte[] {1, 2, 3});
            assertThat(run("ctl", "hypercall", "--api", socket.toString(), range.toString())).startsWith("1|").contains("header");

            Path exec = dir.resolve("exec.abi");
            dev.jkexec.core.abi.AbiRequests.exec(0x100000, 0).write(exec);
            long mark = m.console().mark();
            assertThat(run("ctl", "hypercall", "--api", socket.toString(), exec.toString())).startsWith("0|").contains("handed_over: true");
            m.console().awaitLine(Pattern.compile("jkexec-guest: init ready gen=2"), Duration.ofSeconds(90), mark);
        }
    }
}
