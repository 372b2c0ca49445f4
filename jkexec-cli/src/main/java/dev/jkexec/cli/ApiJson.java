package dev.jkexec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.ImageInfo;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.control.MachineReply;
import java.util.HexFormat;

/** The REST API's JSON for each {@link MachineReply} and {@link MachineEvent} (docs/api.yaml has their schemas). */
final class ApiJson {
    static final ObjectMapper JSON = new ObjectMapper();

    private ApiJson() {
    }

    /** The reply's body, or {@code null} for {@link MachineReply.Done} (204). */
    static ObjectNode reply(MachineReply reply) {
        ObjectNode r = JSON.createObjectNode();
        switch (reply) {
            case MachineReply.Done d -> {
                return null;
            }
            case MachineReply.Slot s -> slot(r, s);
            case MachineReply.Status s -> {
                ObjectNode images = r.putObject("images");
                s.slots().forEach(slot -> slot(images.putObject(slot.type().label()), slot));
                r.put("state", s.runState()).put("firmware", s.firmware());
            }
            case MachineReply.Range g -> r.put("range", RangeId.name(g.range())).put("nr", g.nr()).put("start", hex(g.start()))
                    .put("size", hex(g.size()));
            case MachineReply.Loaded l -> slot(r, l.slot());
            case MachineReply.HandedOver h -> handedOver(r, h.plan());
            case MachineReply.Crashed c -> crash(r, c.outcome());
            case MachineReply.Dumped d -> r.put("file", d.written().file().toString()).put("format", d.written().format().label())
                    .put("bytes", d.written().bytes()).put("ram_bytes", d.written().ramBytes()).put("cpus", d.written().cpus())
                    .put("summary", d.written().summary());
            case MachineReply.KexecOpResult k -> {
                r.put("ret", k.ret());
                if (k.errno() != null) {
                    r.put("errno", k.errno().name());
                }
                if (k.arg() != null) {
                    r.put("arg", HexFormat.of().formatHex(k.arg()));
                }
                if (k.handedOver()) {
                    r.put("handed_over", true);
                }
            }
        }
        return r;
    }

    private static void slot(ObjectNode s, MachineReply.Slot slot) {
        s.put("type", slot.type().label()).put("loaded", slot.loaded());
        ImageInfo i = slot.image();
        if (i != null) {
            s.put("arch", i.arch().elfName()).put("entry", hex(i.entry())).put("sha256", i.sha256().toString());
            ArrayNode segs = s.putArray("segments");
            i.segments().forEach(g -> segs.addObject().put("what", g.what()).put("dest", hex(g.dest())).put("dest_size", hex(g.destSize()))
                    .put("buf_size", g.bufSize()));
        }
    }

    private static void handedOver(ObjectNode r, HandoverPlan p) {
        r.put("outcome", "handed-over").put("type", p.type().label()).put("arch", p.arch().elfName()).put("entry", hex(p.entry()))
                .put("sha256", HexFormat.of().formatHex(p.sha256().bytes()));
    }

    static void crash(ObjectNode r, CrashOutcome c) {
        switch (c) {
            case CrashOutcome.CrashKernel k -> {
                r.put("outcome", "crash-kernel").put("entry", hex(k.plan().entry()))
                        .put("sha256", HexFormat.of().formatHex(k.plan().sha256().bytes()));
                if (k.core() != null) {
                    r.put("file", k.core().file().toString());
                }
            }
            case CrashOutcome.Dumped d -> r.put("outcome", "dumped").put("why", d.why()).put("file", d.core().file().toString());
            case CrashOutcome.Paused p -> r.put("outcome", "paused").put("why", p.why());
        }
        r.put("reason", c.reason()).put("vmcoreinfo", c.vmcoreinfo());
    }

    /** An event for {@code GET /events}, or {@code null} for one the API does not publish. */
    static ObjectNode event(MachineEvent e) {
        ObjectNode r = JSON.createObjectNode();
        switch (e) {
            case MachineEvent.HandedOver h -> {
                r.put("event", "handover");
                handedOver(r, h.plan());
            }
            case MachineEvent.GuestPanicked p -> r.put("event", "panic").put("how", p.how());
            case MachineEvent.Crashed c -> {
                r.put("event", "crash");
                crash(r, c.outcome());
            }
            case MachineEvent.CrashFailed f -> r.put("event", "crash-failed").put("message", String.valueOf(f.error().getMessage()));
            case MachineEvent.GuestReset g -> r.put("event", "reset").put("reason", g.reason());
            case MachineEvent.Exited x -> r.put("event", "exit").put("how", x.how());
            case MachineEvent.Notice n -> r.put("event", "notice").put("message", n.text());
            case MachineEvent.HypercallNote n -> r.put("event", "hypercall-note").put("message", n.message());
        }
        return r;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
