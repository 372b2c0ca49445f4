package dev.jkexec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.core.abi.KexecCommand;
import dev.jkexec.machine.hypercall.Dom0Hypercalls;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.InputFile;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.core.crash.PageFilter;
import dev.jkexec.machine.crash.CoreDump;
import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.machine.crash.DumpProgress;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The control socket of a running machine ({@code jkexec run --api PATH}): an operator's
 * {@code jkexec ctl} and {@code jkexec dump} talk to it. One JSON request per line, one JSON
 * response per line:
 *
 * <pre>
 *  {"op":"status"}
 *  {"op":"load","type":"default|crash","kernel":K,"initrd":I,"busybox":true,"append":S,"entry":64}
 *  {"op":"unload","type":"default|crash"}
 *  {"op":"exec","type":"default|crash"}
 *  {"op":"crash"}
 *  {"op":"dump","file":PATH,"format":"elf|kdump-zlib|kdump-zstd","level":31,"force":false,"progress":false}
 *     with "progress": {"progress":DONE,"total":TOTAL} lines (bytes of RAM) come first
 *  {"op":"hypercall","file":PATH}     a raw kexec_op in the binary ABI (AbiRequestFile) → "ret", "errno", "arg"
 *  → {"ok":true, ...} or {"ok":false,"error":"one line","errno":"EINVAL"}
 * </pre>
 *
 * Requests are untrusted: a line longer than {@link #MAX_LINE} closes the connection, malformed
 * JSON or fields give an error response. Connections are served one at a time.
 */
final class ControlServer implements AutoCloseable {
    static final int MAX_LINE = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Machine machine;
    private final Path socket;
    private final ServerSocketChannel server;
    private final Thread thread;

    private ControlServer(Machine machine, Path socket, ServerSocketChannel server) {
        this.machine = machine;
        this.socket = socket;
        this.server = server;
        this.thread = Thread.ofPlatform().daemon().name("jkexec-api").start(this::serve);
    }

    static ControlServer start(Machine machine, Path socket) {
        try {
            Files.deleteIfExists(socket);
            ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            s.bind(UnixDomainSocketAddress.of(socket));
            return new ControlServer(machine, socket, s);
        } catch (IOException e) {
            throw new JkexecException("--api " + socket + ": " + e.getMessage(), e);
        }
    }

    Path socket() {
        return socket;
    }

    private void serve() {
        while (server.isOpen()) {
            try (SocketChannel c = server.accept()) {
                StringBuilder line = new StringBuilder();
                ByteBuffer b = ByteBuffer.allocate(4096);
                while (c.read(b.clear()) > 0) {
                    line.append(StandardCharsets.UTF_8.decode(b.flip()));
                    int nl;
                    while ((nl = line.indexOf("\n")) >= 0) {
                        String request = line.substring(0, nl);
                        line.delete(0, nl + 1);
                        c.write(ByteBuffer.wrap((handle(request, progressTo(c)) + "\n").getBytes(StandardCharsets.UTF_8)));
                    }
                    if (line.length() > MAX_LINE) {
                        break;
                    }
                }
            } catch (IOException e) {
                // a client went away, or the server was closed
            }
        }
    }

    /** Progress lines to the client, at most ten a second. */
    private static DumpProgress progressTo(SocketChannel c) {
        long[] last = {0};
        return (done, total) -> {
            long now = System.nanoTime();
            if (done < total && now - last[0] < 100_000_000L) {
                return;
            }
            last[0] = now;
            try {
                c.write(ByteBuffer.wrap(("{\"progress\":" + done + ",\"total\":" + total + "}\n").getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                // the client stopped listening; the dump goes on
            }
        };
    }

    /** One request → one response line. */
    String handle(String request) {
        return handle(request, DumpProgress.NONE);
    }

    String handle(String request, DumpProgress progress) {
        ObjectNode r = JSON.createObjectNode();
        try {
            JsonNode q = JSON.readTree(request);
            if (q == null || !q.isObject() || !q.path("op").isTextual()) {
                throw new JkexecException("request: an object with a string \"op\" is required");
            }
            String op = q.get("op").asText();
            switch (op) {
                case "status" -> status(r);
                case "load" -> {
                    KexecImage image = machine.load(spec(q));
                    r.put("type", image.type().label()).put("entry", hex(image.entry())).put("segments", image.segments().size());
                }
                case "unload" -> machine.unload(type(q, true));
                case "exec" -> {
                    Object o = machine.exec(type(q, false));
                    if (o instanceof CrashOutcome c) {
                        crash(r, c);
                    }
                }
                case "crash" -> crash(r, machine.crash("operator request"));
                case "dump" -> {
                    if (!q.path("file").isTextual()) {
                        throw new JkexecException("dump.file: a path is required");
                    }
                    DumpFormat format = DumpFormat.parse(q.path("format").asText("elf"));
                    int level = q.path("level").asInt(PageFilter.ALL);
                    if (level < 0 || level > PageFilter.ALL) {
                        throw new JkexecException("dump.level: " + q.get("level") + " outside 0..31");
                    }
                    CoreDump.Written w = machine.dump(InputFile.path("dump.file", q.get("file").asText()).toAbsolutePath(), format, level,
                            q.path("force").asBoolean(false), q.path("progress").asBoolean(false) ? progress : DumpProgress.NONE);
                    r.put("file", w.file().toString()).put("format", w.format().label()).put("bytes", w.bytes())
                            .put("ramBytes", w.ramBytes()).put("cpus", w.cpus()).put("summary", w.summary());
                }
                case "hypercall" -> hypercall(q, r);
                default -> throw new JkexecException("op: '" + op + "' is none of status, load, unload, exec, crash, dump, hypercall");
            }
            r.put("ok", true);
        } catch (KexecException e) {
            r.removeAll();
            r.put("ok", false).put("error", e.getMessage()).put("errno", e.errno().name());
        } catch (JkexecException e) {
            r.removeAll();
            r.put("ok", false).put("error", e.getMessage());
        } catch (IOException e) {
            r.removeAll();
            r.put("ok", false).put("error", "request: not JSON: " + e.getMessage());
        } catch (RuntimeException e) {
            r.removeAll();
            r.put("ok", false).put("error", "internal error: " + e);
        }
        return r.toString();
    }

    private void hypercall(JsonNode q, ObjectNode r) throws IOException {
        if (!q.path("file").isTextual()) {
            throw new JkexecException("hypercall.file: a path is required");
        }
        Path file = InputFile.path("hypercall.file", q.get("file").asText());
        AbiRequestFile request;
        try {
            request = AbiRequestFile.read("hypercall.file", file);
        } catch (ImageFormatException e) {
            throw new JkexecException("hypercall.file: " + file + ": " + e.getMessage(), e);
        }
        Dom0Hypercalls.Outcome o = machine.hypercalls().hostCall(request);
        switch (o) {
            case Dom0Hypercalls.Outcome.HandedOver h -> r.put("ret", 0).put("handedOver", true);
            case Dom0Hypercalls.Outcome.Returned ret -> {
                r.put("ret", ret.value());
                Errno e = ret.value() < 0 ? Errno.ofValue((int) ret.value()) : null;
                if (e != null) {
                    r.put("errno", e.name());
                }
                KexecCommand c = KexecCommand.ofCode(request.cmd());
                if (c != null && ret.value() == 0) {
                    PhysicalMemory m = request.guestMemory();
                    if (m.contains(request.argAddress(), c.argumentSize())) {
                        r.put("arg", HexFormat.of().formatHex(m.read(request.argAddress(), (int) c.argumentSize())));
                    }
                }
            }
        }
    }

    private void status(ObjectNode r) {
        for (ImageType t : ImageType.values()) {
            ObjectNode s = r.putObject(t.label());
            s.put("loaded", machine.kexec().status(t));
            machine.kexec().image(t).ifPresent(i -> {
                s.put("arch", i.arch().elfName()).put("entry", hex(i.entry())).put("sha256", i.sha256().toString());
                var segs = s.putArray("segments");
                i.segments().forEach(g -> segs.add(String.format("%s 0x%x+0x%x (%d bytes)", g.what(), g.dest(), g.destSize(), g.bufSize())));
            });
        }
        r.put("qemu", machine.qemu().status().state().toString().toLowerCase(java.util.Locale.ROOT));
        r.put("firmware", machine.firmwareStatus());
    }

    private static void crash(ObjectNode r, CrashOutcome c) {
        switch (c) {
            case CrashOutcome.CrashKernel k -> r.put("outcome", "crash-kernel").put("entry", hex(k.plan().entry()))
                    .put("sha256", HexFormat.of().formatHex(k.plan().sha256().bytes()));
            case CrashOutcome.Dumped d -> r.put("outcome", "dumped").put("why", d.why()).put("file", d.core().file().toString());
            case CrashOutcome.Paused p -> r.put("outcome", "paused").put("why", p.why());
        }
        r.put("vmcoreinfo", c.vmcoreinfo());
    }

    private static KernelSpec spec(JsonNode q) {
        if (!q.path("kernel").isTextual()) {
            throw new JkexecException("load.kernel: a path is required");
        }
        Path initrd = q.path("initrd").isTextual() ? InputFile.path("initrd", q.get("initrd").asText()) : null;
        int entry = q.path("entry").asInt(64);
        if (entry != 64 && entry != 32) {
            throw new JkexecException("load.entry: " + q.get("entry") + " is neither 64 nor 32");
        }
        return new KernelSpec(InputFile.path("kernel", q.get("kernel").asText()), initrd, q.path("busybox").asBoolean(initrd == null),
                q.path("append").asText(""), entry, type(q, true), q.path("decompress").asBoolean(false));
    }

    private static ImageType type(JsonNode q, boolean required) {
        if (!q.has("type")) {
            if (required) {
                throw new JkexecException("type: default or crash is required");
            }
            return ImageType.DEFAULT;
        }
        return switch (q.get("type").asText()) {
            case "default" -> ImageType.DEFAULT;
            case "crash" -> ImageType.CRASH;
            default -> throw new JkexecException("type: '" + q.get("type").asText() + "' is neither default nor crash");
        };
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    @Override
    public void close() {
        try {
            server.close();
            thread.join(1000);
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // the socket file is in a directory we own; nothing else to release
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
