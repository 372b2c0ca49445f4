package dev.jkexec.image.crash;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A Linux kernel's VMCOREINFO text: the {@code KEY=value} lines the kernel writes at boot
 * (kernel/crash_core.c, arch_crash_save_vmcoreinfo) so that kdump tools can read its memory
 * without a vmlinux: {@code OSRELEASE=}, {@code PAGESIZE=}, {@code SYMBOL(name)=hex},
 * {@code OFFSET(struct.field)=dec}, {@code SIZE(type)=dec}, {@code LENGTH(array)=dec},
 * {@code NUMBER(name)=dec}, {@code KERNELOFFSET=hex}, {@code CRASHTIME=dec}.
 *
 * <p>Untrusted: it comes from guest memory. {@link #parse} accepts only printable ASCII lines of
 * the form {@code KEY=value}, starting with {@code OSRELEASE=}; every rejection names what failed.
 */
public record VmcoreInfo(String text, Map<String, String> entries) {
    /** The largest text jkexec accepts (Linux's VMCOREINFO_BYTES is one page). */
    public static final int MAX_TEXT = 4096;
    public static final String FIRST_KEY = "OSRELEASE";

    public VmcoreInfo {
        entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
    }

    /** Why a text is not VMCOREINFO. */
    public static final class FormatException extends IllegalArgumentException {
        public FormatException(String message) {
            super(message);
        }
    }

    /** Parses and checks {@code bytes} (the note's descriptor, NULs after the text allowed). */
    public static VmcoreInfo parse(byte[] bytes) {
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        if (end > MAX_TEXT) {
            throw new FormatException("VMCOREINFO text: " + end + " bytes > " + MAX_TEXT);
        }
        for (int i = 0; i < end; i++) {
            int c = bytes[i] & 0xFF;
            if (c != '\n' && (c < 0x20 || c > 0x7E)) {
                throw new FormatException("VMCOREINFO text: byte 0x" + Integer.toHexString(c) + " at " + i + " is not printable ASCII");
            }
        }
        return parse(new String(bytes, 0, end, StandardCharsets.US_ASCII));
    }

    /** Parses and checks {@code text}. */
    public static VmcoreInfo parse(String text) {
        if (!text.startsWith(FIRST_KEY + "=")) {
            throw new FormatException("VMCOREINFO text: does not start with " + FIRST_KEY + "= ('"
                    + text.substring(0, Math.min(16, text.length())) + "')");
        }
        Map<String, String> m = new LinkedHashMap<>();
        int n = 0;
        for (String line : text.split("\n")) {
            n++;
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new FormatException("VMCOREINFO line " + n + ": '" + line + "' is not KEY=value");
            }
            m.putIfAbsent(line.substring(0, eq), line.substring(eq + 1));
        }
        String canonical = text.endsWith("\n") ? text : text + "\n";
        return new VmcoreInfo(canonical, m);
    }

    public Optional<String> value(String key) {
        return Optional.ofNullable(entries.get(key));
    }

    public String osRelease() {
        return entries.get(FIRST_KEY);
    }

    /** {@code SYMBOL(name)}: a kernel virtual address. */
    public Optional<Long> symbol(String name) {
        return value("SYMBOL(" + name + ")").map(v -> hex("SYMBOL(" + name + ")", v));
    }

    /** {@code NUMBER(name)}: signed decimal. */
    public Optional<Long> number(String name) {
        return value("NUMBER(" + name + ")").map(v -> dec("NUMBER(" + name + ")", v));
    }

    /** {@code OFFSET(struct.field)}. */
    public Optional<Long> offset(String field) {
        return value("OFFSET(" + field + ")").map(v -> dec("OFFSET(" + field + ")", v));
    }

    /** {@code SIZE(type)}. */
    public Optional<Long> size(String type) {
        return value("SIZE(" + type + ")").map(v -> dec("SIZE(" + type + ")", v));
    }

    /** {@code LENGTH(array)}. */
    public Optional<Long> length(String array) {
        return value("LENGTH(" + array + ")").map(v -> dec("LENGTH(" + array + ")", v));
    }

    /** {@code KERNELOFFSET}: the KASLR shift of the kernel text (0 without KASLR). */
    public long kernelOffset() {
        return value("KERNELOFFSET").map(v -> hex("KERNELOFFSET", v)).orElse(0L);
    }

    public long pageSize() {
        return value("PAGESIZE").map(v -> dec("PAGESIZE", v)).orElse(4096L);
    }

    /** A required entry, or a named error. */
    public long require(String what, Optional<Long> v) {
        return v.orElseThrow(() -> new FormatException("VMCOREINFO: no " + what));
    }

    /**
     * This text with {@code CRASHTIME=seconds} as its last line, as the kernel appends it when it
     * panics into kdump (crash_save_vmcoreinfo). An earlier CRASHTIME line is dropped.
     */
    public VmcoreInfo withCrashTime(long epochSeconds) {
        StringBuilder b = new StringBuilder();
        for (String line : text.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("CRASHTIME=")) {
                b.append(line).append('\n');
            }
        }
        b.append("CRASHTIME=").append(epochSeconds).append('\n');
        return parse(b.toString());
    }

    public byte[] bytes() {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static long hex(String key, String v) {
        try {
            return Long.parseUnsignedLong(v.trim(), 16);
        } catch (NumberFormatException e) {
            throw new FormatException("VMCOREINFO " + key + ": '" + v + "' is not hex");
        }
    }

    private static long dec(String key, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new FormatException("VMCOREINFO " + key + ": '" + v + "' is not a decimal number");
        }
    }
}
