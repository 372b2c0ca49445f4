package dev.jkexec.machine.scenario;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.Initrd;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.control.RequestException;
import dev.jkexec.machine.control.RequestReader;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.Sizes;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a scenario from JSON. The format:
 *
 * <pre>{@code
 * {
 *   "name": "demo",
 *   "description": "what it shows",
 *   "machine": {"ram": "1G", "cpus": 1, "crashSize": "256M", "staging": "256M", "accel": "tcg"},
 *   "steps": [
 *     {"title": "...", "say": "narration", "boot":   {"kernel": K, "append": S, "initrd": I, "busybox": true, "entry": 64,
 *                                                     "decompress": false, "modules": ["FILE ARGS", ...],
 *                                                     "modulesDir": DIR}},
 *     {"expect": {"line": "REGEX", "timeout": 60}},
 *     {"load":   {"type": "default|crash", "kernel": K, "append": S, "busybox": true, "entry": 64}},
 *     {"unload": {"type": "default|crash"}},
 *     {"exec":   {"type": "default|crash"}},
 *     {"crash":  {}},
 *     {"panic":  {}},
 *     {"type":   {"text": "echo hello\n"}},
 *     {"guest":  "kexec -l /boot/vmlinuz --initrd=/boot/initrd"}   or {"guest": {"run": CMD, "status": 0, "timeout": 120}},
 *     {"expect-crash": {"outcome": "crash-kernel|dumped", "timeout": 60}},
 *     {"dump":   {"file": "core.elf"}}
 *   ]
 * }
 * }</pre>
 *
 * <p>Each step is an object with one action key (plus optional {@code title} and {@code say}).
 * Kernel and file paths are relative to the scenario's directory; {@code testdata:REL} names a
 * file of jkexec's test data, {@code fetched:NAME} the kernel {@code scripts/kernels.sh NAME}
 * fetched from Debian's archive. A Multiboot kernel's {@code modules} are strings
 * {@code "FILE ARGS"}, their files resolved the same way ({@code busybox-initrd} is the busybox
 * guest of the module before it). Strings may use {@code ${guestRamBytes}} (bytes of guest memory a
 * dump or /proc/vmcore covers) and {@code ${mailbox}}; the runner substitutes them. {@code expect}
 * matches console lines since the last action step. Unknown keys are errors: a typo must not pass
 * silently, and so are duplicate keys; kernels are read by the API's own reader
 * ({@link RequestReader#kernel}), so a scenario's {@code load} and {@code PUT /kexec/images} take the same fields.
 */
public final class ScenarioParser {
    private static final com.fasterxml.jackson.databind.node.JsonNodeFactory JSON_NODES =
            com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
    private static final Set<String> KINDS = Set.of("boot", "load", "unload", "exec", "crash", "panic", "type", "guest", "expect",
            "expect-crash", "dump");
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private final Path base;

    private ScenarioParser(Path base) {
        this.base = base;
    }

    /** Parses {@code json}; relative paths resolve against {@code base}. */
    public static Scenario parse(String json, Path base) {
        try {
            return new ScenarioParser(base).scenario(RequestReader.object(json, "scenario").node());
        } catch (RequestException e) {
            throw new ScenarioException(e.text());
        }
    }

    private Scenario scenario(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new ScenarioException("scenario: the top level must be an object");
        }
        only(root, "scenario", Set.of("name", "description", "machine", "steps"));
        Scenario.Settings settings = settings(root.get("machine"));
        JsonNode steps = root.get("steps");
        if (steps == null || !steps.isArray() || steps.isEmpty()) {
            throw new ScenarioException("scenario.steps: a non-empty array is required");
        }
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            out.add(step(steps.get(i), "steps[" + i + "]"));
        }
        return new Scenario(text(root, "name", "scenario", "scenario"), text(root, "description", "", "scenario"),
                settings, out);
    }

    private Scenario.Settings settings(JsonNode m) {
        if (m == null) {
            return new Scenario.Settings(null, null, null, null, null);
        }
        if (!m.isObject()) {
            // issue 14: a non-object "machine" was silently ignored, and the defaults used
            throw new ScenarioException("machine: an object {\"ram\", \"cpus\", \"crashSize\", \"staging\", \"accel\"} is required, not "
                    + m.getNodeType().toString().toLowerCase(java.util.Locale.ROOT));
        }
        only(m, "machine", Set.of("ram", "cpus", "crashSize", "staging", "accel"));
        return new Scenario.Settings(size(m, "ram", "machine"), m.has("cpus") ? integer(m, "cpus", "machine") : null,
                size(m, "crashSize", "machine"), size(m, "staging", "machine"), text(m, "accel", null, "machine"));
    }

    private Step step(JsonNode s, String at) {
        if (!s.isObject()) {
            throw new ScenarioException(at + ": a step must be an object");
        }
        List<String> actions = new ArrayList<>();
        for (Iterator<String> it = s.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (KINDS.contains(f)) {
                actions.add(f);
            } else if (!f.equals("title") && !f.equals("say")) {
                throw new ScenarioException(at + "." + f + ": unknown key (steps are one of " + String.join(", ", KINDS.stream().sorted().toList()) + ")");
            }
        }
        if (actions.size() != 1) {
            throw new ScenarioException(at + ": exactly one action per step, found " + actions);
        }
        String kind = actions.getFirst();
        JsonNode a = s.get(kind);
        String where = at + "." + kind;
        if (kind.equals("guest") && a.isTextual()) {
            a = JSON_NODES.objectNode().put("run", a.asText());
        }
        if (!a.isObject()) {
            throw new ScenarioException(where + ": must be an object");
        }
        String title = text(s, "title", kind, at);
        String say = text(s, "say", null, at);
        return switch (kind) {
            case "boot" -> new Step.Boot(title, say, kernel(a, where, ImageType.DEFAULT, Set.of()));
            case "load" -> {
                ImageType t = type(a, where, true);
                yield new Step.Load(title, say, t, kernel(a, where, t, Set.of("type")));
            }
            case "unload" -> {
                only(a, where, Set.of("type"));
                yield new Step.Unload(title, say, type(a, where, true));
            }
            case "exec" -> {
                only(a, where, Set.of("type"));
                yield new Step.Exec(title, say, a.has("type") ? type(a, where, true) : ImageType.DEFAULT);
            }
            case "crash" -> {
                only(a, where, Set.of());
                yield new Step.Crash(title, say);
            }
            case "panic" -> {
                only(a, where, Set.of());
                yield new Step.Panic(title, say);
            }
            case "type" -> {
                only(a, where, Set.of("text"));
                yield new Step.Type(title, say, required(a, "text", where));
            }
            case "expect" -> {
                only(a, where, Set.of("line", "timeout"));
                String line = required(a, "line", where);
                regex(line.replaceAll("\\$\\{[A-Za-z]+}", "0"), where + ".line"); // checked now, compiled after substitution
                yield new Step.Expect(title, say, line, timeout(a, where));
            }
            case "expect-crash" -> {
                only(a, where, Set.of("outcome", "timeout"));
                String outcome = required(a, "outcome", where);
                if (!outcome.equals("crash-kernel") && !outcome.equals("dumped")) {
                    throw new ScenarioException(where + ".outcome: '" + outcome + "' is neither crash-kernel nor dumped");
                }
                yield new Step.ExpectCrash(title, say, outcome, timeout(a, where));
            }
            case "guest" -> {
                only(a, where, Set.of("run", "status", "timeout"));
                String run = required(a, "run", where);
                if (run.contains("\n") || run.length() > dev.jkexec.machine.guest.GuestShell.MAX_LINE - 30) {
                    throw new ScenarioException(where + ".run: one line of at most " + (dev.jkexec.machine.guest.GuestShell.MAX_LINE - 30)
                            + " characters (the guest shell's limit)");
                }
                yield new Step.Guest(title, say, run, a.has("status") ? integer(a, "status", where) : 0,
                        a.has("timeout") ? timeout(a, where) : java.time.Duration.ofSeconds(120));
            }
            case "dump" -> {
                only(a, where, Set.of("file", "format", "level"));
                String format = a.path("format").asText("elf");
                try {
                    dev.jkexec.machine.crash.DumpFormat.parse(format);
                } catch (dev.jkexec.platform.JkexecException e) {
                    throw new ScenarioException(where + "." + e.getMessage());
                }
                int level = a.path("level").asInt(31);
                if (level < 0 || level > 31) {
                    throw new ScenarioException(where + ".level: " + level + " outside 0..31");
                }
                yield new Step.Dump(title, say, base.resolve(required(a, "file", where)), format, level);
            }
            default -> throw new AssertionError(kind);
        };
    }

    private Step.Kernel kernel(JsonNode a, String where, ImageType type, Set<String> extra) {
        Set<String> allowed = new java.util.HashSet<>(extra);
        allowed.add("dom0");
        KernelSpec spec;
        try {
            spec = RequestReader.kernel(RequestReader.object(a, where), type, this::path, allowed);
        } catch (RequestException e) {
            throw new ScenarioException(e.text());
        }
        boolean dom0 = a.has("dom0") && bool(a, "dom0", where);
        if (dom0 && spec.initrd() instanceof Initrd.File) {
            throw new ScenarioException(where + ".dom0: the dom0 guest is its own initrd; drop \"initrd\"");
        }
        return new Step.Kernel(spec, dom0);
    }

    /**
     * {@code testdata:REL}, {@code fetched:NAME}, or a path relative to the scenario's directory. A
     * string that is no path (a NUL in it) or names test data that is missing is a
     * {@link ScenarioException} naming the field (fuzzing findings: both escaped untyped, without the field).
     */
    private Path path(String p, String field) {
        try {
            if (p.startsWith("fetched:")) {
                String name = p.substring("fetched:".length());
                return GuestAssets.fetched(name).orElseThrow(() -> new ScenarioException(field + ": " + printable(p) + ": "
                        + GuestAssets.fetchHint(name)));
            }
            return p.startsWith("testdata:") ? GuestAssets.require(p.substring("testdata:".length())) : base.resolve(p);
        } catch (InvalidPathException e) {
            throw new ScenarioException(field + ": not a path (" + e.getReason() + "): " + printable(p));
        } catch (ScenarioException e) {
            throw e;
        } catch (JkexecException e) {
            throw new ScenarioException(field + ": " + e.getMessage());
        }
    }

    /** A string for a one-line message: control characters escaped, at most 200 characters. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder("'");
        s.codePoints().limit(200).forEach(c -> b.append(c < 0x20 || c == 0x7F ? String.format("\\x%02x", c) : Character.toString(c)));
        return b.append(s.length() > 200 ? "'..." : "'").toString();
    }

    private static ImageType type(JsonNode a, String where, boolean required) {
        String t = required ? required(a, "type", where) : text(a, "type", "default", where);
        return switch (t.toLowerCase(Locale.ROOT)) {
            case "default" -> ImageType.DEFAULT;
            case "crash" -> ImageType.CRASH;
            default -> throw new ScenarioException(where + ".type: '" + t + "' is neither default nor crash");
        };
    }

    private static Pattern regex(String r, String where) {
        try {
            return Pattern.compile(r);
        } catch (PatternSyntaxException e) {
            throw new ScenarioException(where + ": invalid regex " + printable(r) + ": " + e.getDescription());
        }
    }

    private static Duration timeout(JsonNode a, String where) {
        if (!a.has("timeout")) {
            return DEFAULT_TIMEOUT;
        }
        JsonNode t = a.get("timeout");
        if (!t.isNumber() || t.asDouble() <= 0 || t.asDouble() > 3600) {
            throw new ScenarioException(where + ".timeout: " + t + " is not a number of seconds in (0, 3600]");
        }
        return Duration.ofMillis((long) (t.asDouble() * 1000));
    }

    private static Long size(JsonNode m, String field, String where) {
        if (!m.has(field)) {
            return null;
        }
        JsonNode v = m.get(field);
        try {
            return v.isNumber() ? v.asLong() : Sizes.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw new ScenarioException(where + "." + field + ": " + e.getMessage());
        }
    }

    private static int integer(JsonNode a, String field, String where) {
        JsonNode v = a.get(field);
        if (!v.isInt()) {
            throw new ScenarioException(where + "." + field + ": " + v + " is not an integer");
        }
        return v.asInt();
    }

    private static boolean bool(JsonNode a, String field, String where) {
        JsonNode v = a.get(field);
        if (!v.isBoolean()) {
            throw new ScenarioException(where + "." + field + ": " + v + " is not true or false");
        }
        return v.asBoolean();
    }

    private static String required(JsonNode a, String field, String where) {
        if (!a.has(field)) {
            throw new ScenarioException(where + "." + field + ": required");
        }
        return text(a, field, null, where);
    }

    private static String text(JsonNode a, String field, String otherwise, String where) {
        if (!a.has(field)) {
            return otherwise;
        }
        JsonNode v = a.get(field);
        if (!v.isTextual()) {
            throw new ScenarioException(where + "." + field + ": " + v + " is not a string");
        }
        return v.asText();
    }

    private static void only(JsonNode a, String where, Set<String> allowed) {
        for (Iterator<String> it = a.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new ScenarioException(where + "." + f + ": unknown key (allowed: " + String.join(", ", allowed.stream().sorted().toList()) + ")");
            }
        }
    }
}
