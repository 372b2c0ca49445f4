package dev.jkexec.machine.control;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.plan.EntryMode;
import dev.jkexec.machine.Initrd;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one JSON reader of requests, for the REST API and scenarios: strict JSON (UTF-8 decoded as
 * such, duplicate keys and trailing data refused, nesting and string sizes bounded), then typed
 * fields read by name, every error naming its field by path ({@code load.kernel: required},
 * {@code load.entry: "abc" is not an integer}) — unknown fields are refused, so a typo never
 * passes silently, and wrong types are never coerced. Errors quote the request, never a file.
 */
public final class RequestReader {
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxStringLength(1 << 20)
                    .maxNumberLength(40).build())
            .build()).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** The kernel fields every front end reads. */
    public static final Set<String> KERNEL_FIELDS = Set.of("kernel", "initrd", "busybox", "append", "entry", "decompress", "modules",
            "modulesDir");

    private RequestReader() {
    }

    /** Parses one JSON document (bytes as UTF-8; malformed UTF-8 is refused). */
    public static Fields object(byte[] utf8, String where) {
        try {
            return object(JSON.readTree(utf8), where);
        } catch (JsonProcessingException e) {
            throw new RequestException(where, "not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RequestException(where, "not JSON: " + e.getMessage());
        }
    }

    /** Parses one JSON document. */
    public static Fields object(String json, String where) {
        try {
            return object(JSON.readTree(json), where);
        } catch (JsonProcessingException e) {
            throw new RequestException(where, "not JSON: " + e.getOriginalMessage());
        }
    }

    /** The object {@code node} at {@code where}. */
    public static Fields object(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new RequestException(where, "an object is required" + (node == null || node.isMissingNode() ? "" : ", not " + show(node)));
        }
        return new Fields(node, where);
    }

    /** {@code default} or {@code crash}. */
    public static ImageType imageType(String text, String where) {
        return switch (text) {
            case "default" -> ImageType.DEFAULT;
            case "crash" -> ImageType.CRASH;
            default -> throw new RequestException(where, quote(text) + " is neither default nor crash");
        };
    }

    /** {@code 64}, {@code 32} or {@code 16}. */
    public static EntryMode entryMode(int bits, String where) {
        try {
            return EntryMode.ofBits(bits);
        } catch (IllegalArgumentException e) {
            throw new RequestException(where, bits + " is none of 64 (long mode), 32 (protected mode), 16 (real mode)");
        }
    }

    /**
     * A kernel to load into {@code type}'s slot: {@code kernel} (required), {@code initrd} (a file)
     * or {@code busybox} (the busybox guest; the default without an initrd), {@code append},
     * {@code entry} 64|32|16, {@code decompress}, {@code modules} ["FILE ARGS"...],
     * {@code modulesDir}. Paths go through {@code paths} (a scenario resolves them against its
     * directory; the API takes absolute paths only).
     *
     * @param extra further fields the caller reads itself (a scenario's {@code dom0}, {@code type})
     */
    public static KernelSpec kernel(Fields f, ImageType type, Paths paths, Set<String> extra) {
        Set<String> allowed = new java.util.HashSet<>(KERNEL_FIELDS);
        allowed.addAll(extra);
        f.only(allowed);
        Path initrd = f.has("initrd") ? paths.resolve(f.string("initrd"), f.at("initrd")) : null;
        Initrd i;
        if (initrd != null) {
            if (f.has("busybox") && f.bool("busybox")) {
                throw new RequestException(f.at("busybox"), "true with an initrd file: give one of them");
            }
            i = new Initrd.File(initrd);
        } else {
            i = !f.has("busybox") || f.bool("busybox") ? Initrd.BUSYBOX : Initrd.NONE;
        }
        EntryMode entry = f.has("entry") ? entryMode(f.integer("entry"), f.at("entry")) : EntryMode.BIT64;
        List<String> modules = new ArrayList<>();
        if (f.has("modules")) {
            List<String> ms = f.strings("modules");
            for (int n = 0; n < ms.size(); n++) {
                if (ms.get(n).isBlank()) {
                    throw new RequestException(f.at("modules") + "[" + n + "]", "an empty string is not a \"FILE ARGS\" module");
                }
                String[] words = ms.get(n).strip().split("\\s+", 2);
                String file = words[0].equals(KernelSpec.BUSYBOX_MODULE) ? words[0]
                        : paths.resolve(words[0], f.at("modules") + "[" + n + "]").toString();
                modules.add(words.length > 1 ? file + " " + words[1] : file);
            }
        }
        return new KernelSpec(paths.resolve(f.string("kernel"), f.at("kernel")), i, f.string("append", ""), entry, type,
                f.has("decompress") && f.bool("decompress"), modules, f.has("modulesDir") ? paths.resolve(f.string("modulesDir"), f.at("modulesDir")) : null);
    }

    /** A dump: {@code file} (required), {@code format} elf|kdump-zlib|kdump-zstd, {@code level} 0..31, {@code force}. */
    public static MachineRequest.Dump dump(Fields f, Paths paths, Set<String> extra) {
        Set<String> allowed = new java.util.HashSet<>(Set.of("file", "format", "level", "force"));
        allowed.addAll(extra);
        f.only(allowed);
        DumpFormat format;
        try {
            format = DumpFormat.parse(f.string("format", "elf"));
        } catch (JkexecException e) {
            throw new RequestException(f.at("format"), quote(f.string("format", "elf")) + " is not elf, kdump-zlib or kdump-zstd");
        }
        int level = f.has("level") ? f.integer("level") : 31;
        if (level < 0 || level > 31) {
            throw new RequestException(f.at("level"), level + " outside 0..31");
        }
        return new MachineRequest.Dump(paths.resolve(f.string("file"), f.at("file")), format, level, f.has("force") && f.bool("force"));
    }

    /** How a front end turns a path string of field {@code field} into a path (or refuses it, naming the field). */
    @FunctionalInterface
    public interface Paths {
        Path resolve(String text, String field);
    }

    /** Absolute paths only, as the API takes them (the server's working directory is not the client's). */
    public static Paths absolutePaths() {
        return (p, field) -> {
            if (p.isEmpty() || p.indexOf('\0') >= 0) {
                throw new RequestException(field, quote(p) + " is not a path");
            }
            Path path;
            try {
                path = Path.of(p);
            } catch (java.nio.file.InvalidPathException e) {
                throw new RequestException(field, quote(p) + " is not a path (" + e.getReason() + ")");
            }
            if (!path.isAbsolute()) {
                throw new RequestException(field, quote(p) + " is not an absolute path");
            }
            return path;
        };
    }

    static String quote(String s) {
        return JSON.getNodeFactory().textNode(s.length() > 200 ? s.substring(0, 200) + "…" : s).toString();
    }

    static String show(JsonNode n) {
        String s = n.toString();
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }

    /** One JSON object and where it is in the request. */
    public static final class Fields {
        private final JsonNode node;
        private final String where;

        Fields(JsonNode node, String where) {
            this.node = node;
            this.where = where;
        }

        /** The path of field {@code name}. */
        public String at(String name) {
            return where.isEmpty() ? name : where + "." + name;
        }

        public String where() {
            return where;
        }

        public boolean has(String name) {
            return node.has(name);
        }

        /** Refuses any field not in {@code allowed}, naming it. */
        public Fields only(Set<String> allowed) {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String f = it.next();
                if (!allowed.contains(f)) {
                    throw new RequestException(at(f), "unknown field (known: " + String.join(", ", new TreeSet<>(allowed)) + ")");
                }
            }
            return this;
        }

        /** A required string. */
        public String string(String name) {
            if (!node.has(name)) {
                throw new RequestException(at(name), "required");
            }
            return string(name, null);
        }

        public String string(String name, String otherwise) {
            JsonNode v = node.get(name);
            if (v == null) {
                return otherwise;
            }
            if (!v.isTextual()) {
                throw new RequestException(at(name), show(v) + " is not a string");
            }
            return v.asText();
        }

        /** A required 32-bit integer (never a string, a fraction or a boolean). */
        public int integer(String name) {
            JsonNode v = node.get(name);
            if (v == null) {
                throw new RequestException(at(name), "required");
            }
            if (!v.isInt()) {
                throw new RequestException(at(name), show(v) + " is not an integer");
            }
            return v.intValue();
        }

        /** A required number (seconds, say). */
        public double number(String name) {
            JsonNode v = node.get(name);
            if (v == null) {
                throw new RequestException(at(name), "required");
            }
            if (!v.isNumber()) {
                throw new RequestException(at(name), show(v) + " is not a number");
            }
            return v.doubleValue();
        }

        /** A required boolean (never 0/1 or "true"). */
        public boolean bool(String name) {
            JsonNode v = node.get(name);
            if (v == null) {
                throw new RequestException(at(name), "required");
            }
            if (!v.isBoolean()) {
                throw new RequestException(at(name), show(v) + " is not true or false");
            }
            return v.booleanValue();
        }

        /** A required array of strings. */
        public List<String> strings(String name) {
            JsonNode v = node.get(name);
            if (v == null) {
                throw new RequestException(at(name), "required");
            }
            if (!v.isArray()) {
                throw new RequestException(at(name), show(v) + " is not an array of strings");
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < v.size(); i++) {
                if (!v.get(i).isTextual()) {
                    throw new RequestException(at(name) + "[" + i + "]", show(v.get(i)) + " is not a string");
                }
                out.add(v.get(i).asText());
            }
            return out;
        }

        /** The field as an object of its own. */
        public Fields object(String name) {
            if (!node.has(name)) {
                throw new RequestException(at(name), "required");
            }
            return RequestReader.object(node.get(name), at(name));
        }

        /** The raw node, for readers with their own shapes (a scenario's steps). */
        public JsonNode node() {
            return node;
        }
    }
}
