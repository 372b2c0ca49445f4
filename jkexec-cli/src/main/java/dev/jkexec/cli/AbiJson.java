package dev.jkexec.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.abi.AbiRequestFile;
import dev.jkexec.core.abi.KexecCommand;
import dev.jkexec.core.abi.KexecRequest;
import dev.jkexec.core.abi.KexecRequests;
import dev.jkexec.core.abi.XenKexecExec;
import dev.jkexec.core.abi.XenKexecImage;
import dev.jkexec.core.abi.XenKexecLoad;
import dev.jkexec.core.abi.XenKexecLoadV1;
import dev.jkexec.core.abi.XenKexecRange;
import dev.jkexec.core.abi.XenKexecSegment;
import dev.jkexec.core.abi.XenKexecStatus;
import dev.jkexec.core.abi.XenKexecUnload;
import dev.jkexec.core.kexec.ImageDigest;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.core.kexec.SegmentDescriptor;
import dev.jkexec.core.kexec.V1IndirectionList;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.List;

/**
 * A decoded request as a JSON tree: {@code command}, {@code name}, {@code argAddress},
 * {@code window}, {@code argument} (the structure's fields), {@code memory} (what it points
 * into), and {@code error} when the hypercall would refuse to read it. Addresses and sizes are hex
 * strings; small numbers are numbers.
 */
final class AbiJson {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final int HEAD = 32;

    private AbiJson() {
    }

    static ObjectNode describe(AbiRequestFile file) {
        PhysicalMemory guest = file.guestMemory();
        ObjectNode out = F.objectNode();
        out.put("command", file.cmd());
        KexecCommand cmd = KexecCommand.ofCode(file.cmd());
        out.put("name", cmd == null ? "unknown" : cmd.xenName());
        out.put("argAddress", hex(file.argAddress()));
        ObjectNode window = out.putObject("window");
        window.put("base", hex(file.memoryBase()));
        window.put("size", hex(file.memory().length));
        KexecRequest request;
        try {
            request = KexecRequests.decode(file.cmd(), file.argAddress(), guest);
        } catch (KexecException e) {
            error(out, e);
            return out;
        }
        out.set("argument", argument(request.argument()));
        try {
            ObjectNode memory = memory(request, guest);
            if (memory != null) {
                out.set("memory", memory);
            }
        } catch (KexecException e) {
            error(out, e);
        }
        return out;
    }

    private static ObjectNode argument(Object struct) {
        ObjectNode a = F.objectNode();
        switch (struct) {
            case XenKexecLoad l -> {
                head(a, "xen_kexec_load", XenKexecLoad.SIZE);
                type(a, l.type());
                a.put("arch", l.arch());
                Arch arch = Arch.ofElfMachine(l.arch());
                a.put("archName", arch == null ? "invalid" : arch.elfName());
                a.put("nr_segments", l.nrSegments());
                a.put("segments", hex(l.segments()));
                a.put("entry_maddr", hex(l.entryMaddr()));
            }
            case XenKexecLoadV1 v -> {
                head(a, "xen_kexec_load_v1", XenKexecLoadV1.SIZE);
                type(a, v.type());
                ObjectNode image = a.putObject("image");
                image.put("indirection_page", hex(v.image().indirectionPage()));
                image.put("start_address", hex(v.image().startAddress()));
                ArrayNode pages = image.putArray("page_list");
                v.image().pageList().forEach(p -> pages.add(hex(p)));
            }
            case XenKexecRange r -> {
                head(a, "xen_kexec_range", XenKexecRange.SIZE);
                a.put("range", r.range());
                a.put("rangeName", RangeId.name(r.range()));
                a.put("nr", r.nr());
                a.put("size", hex(r.size()));
                a.put("start", hex(r.start()));
            }
            case XenKexecExec e -> {
                head(a, "xen_kexec_exec", XenKexecExec.SIZE);
                type(a, e.type());
            }
            case XenKexecUnload u -> {
                head(a, "xen_kexec_unload", XenKexecUnload.SIZE);
                type(a, u.type());
            }
            case XenKexecStatus s -> {
                head(a, "xen_kexec_status", XenKexecStatus.SIZE);
                type(a, s.type());
            }
            default -> throw new AssertionError("not an argument structure: " + struct);
        }
        return a;
    }

    /** What the argument points into, or {@code null} when it points nowhere. */
    private static ObjectNode memory(KexecRequest request, PhysicalMemory guest) {
        return switch (request) {
            case KexecRequest.Load(XenKexecLoad a, List<XenKexecSegment> segs) -> {
                ObjectNode m = F.objectNode();
                ArrayNode array = m.putArray("segments");
                for (int i = 0; i < segs.size(); i++) {
                    XenKexecSegment s = segs.get(i);
                    ObjectNode o = array.addObject();
                    o.put("index", i);
                    o.put("buf", hex(s.buf()));
                    o.put("buf_size", hex(s.bufSize()));
                    o.put("dest_maddr", hex(s.destMaddr()));
                    o.put("dest_size", hex(s.destSize()));
                    if (s.buf() == 0) {
                        o.putNull("bytes");
                    } else {
                        o.set("bytes", bytes(KexecRequests.buffer(guest, segs, i)));
                    }
                }
                yield m;
            }
            case KexecRequest.LoadV1(XenKexecLoadV1 a) -> {
                XenKexecImage image = a.image();
                V1IndirectionList list = V1IndirectionList.read(guest, image.indirectionPage(), guest.size() / 8);
                ObjectNode m = F.objectNode();
                m.put("sourcePages", list.sourcePages());
                ArrayNode array = m.putArray("segments");
                List<SegmentDescriptor> segs = list.segments();
                for (int i = 0; i < segs.size(); i++) {
                    ObjectNode o = array.addObject();
                    o.put("dest_maddr", hex(segs.get(i).dest()));
                    o.put("dest_size", hex(segs.get(i).destSize()));
                    ArrayNode sources = o.putArray("sources");
                    for (long p : list.sourcePages(i)) {
                        sources.add(hex(p));
                    }
                }
                yield m;
            }
            default -> null;
        };
    }

    private static ObjectNode bytes(MemorySegment buffer) {
        ObjectNode b = F.objectNode();
        b.put("sha256", ImageDigest.of(buffer).hex());
        long n = Math.min(HEAD, buffer.byteSize());
        b.put("head", HexFormat.of().formatHex(buffer.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE)));
        return b;
    }

    private static void head(ObjectNode a, String struct, long size) {
        a.put("struct", struct);
        a.put("size", size);
    }

    private static void type(ObjectNode a, long type) {
        a.put("type", type);
        ImageType t = ImageType.ofCode(type);
        a.put("typeName", t == null ? "invalid" : "KEXEC_TYPE_" + t.name());
    }

    private static void error(ObjectNode out, KexecException e) {
        ObjectNode err = out.putObject("error");
        err.put("errno", e.errno().name());
        err.put("value", e.errno().negated());
        if (e.field() == null) {
            err.putNull("field");
        } else {
            err.put("field", e.field());
        }
        err.put("message", e.getMessage());
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
