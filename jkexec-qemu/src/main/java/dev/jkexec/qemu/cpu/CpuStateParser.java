package dev.jkexec.qemu.cpu;

import dev.jkexec.platform.x86.DescriptorTable;
import dev.jkexec.platform.x86.GeneralRegisters;
import dev.jkexec.platform.x86.Registers;
import dev.jkexec.platform.x86.Segment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads QEMU's {@code info registers -a} (HMP) into {@link CpuState}s, one per {@code CPU#n} block,
 * each with the CPU's {@link Registers}.
 *
 * <p>The text is untrusted. The parser moves forward line by line; every failure is a
 * {@link CpuStateFormatException} naming the line, never another exception. Lines it needs (general
 * registers, RIP/EIP, flags, segments, GDT/IDT, CR0–CR4, EFER) must be well formed and present once
 * per CPU. Other lines of the form {@code KEY=...} (FPU, SSE, debug registers, and whatever a newer
 * QEMU adds) are skipped; a line of any other form is an error.
 *
 * <p>Both layouts QEMU prints are accepted: 64-bit ({@code RAX=}…{@code R15=}, 16-digit values,
 * when CS is a 64-bit code segment) and 32-bit ({@code EAX=}…{@code ESP=}). In long mode outside a
 * 64-bit segment QEMU mixes them (32-bit registers, 64-bit bases); field widths are not assumed.
 */
public final class CpuStateParser {
    private static final Pattern CPU_HEADER = Pattern.compile("CPU#(\\d{1,6})");
    private static final Pattern KEY = Pattern.compile("^([A-Za-z][A-Za-z0-9]*)\\s*=");
    private static final Pattern SEGMENT = Pattern.compile(
            "(ES|CS|SS|DS|FS|GS|LDT|TR)\\s*=([0-9a-fA-F]{4}) ([0-9a-fA-F]{8}|[0-9a-fA-F]{16}) ([0-9a-fA-F]{8}) ([0-9a-fA-F]{8})(\\s.*)?");
    private static final Pattern TABLE = Pattern.compile("(GDT|IDT)=\\s+([0-9a-fA-F]{8}|[0-9a-fA-F]{16}) ([0-9a-fA-F]{8})\\s*");
    /** One token of a register line: {@code KEY=hex}, or a bracketed flag group such as {@code [--S---C]}. */
    private static final Pattern TOKEN = Pattern.compile("\\G\\s*(?:([A-Za-z][A-Za-z0-9]*)\\s*=([0-9a-fA-F]{1,16})|\\[[^\\]]{0,32}\\])");
    private static final Set<String> SEGMENTS = Set.of("ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR");
    private static final List<String> GPR64 = List.of("RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "RSP",
            "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15");
    private static final List<String> GPR32 = List.of("EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP");
    private static final Set<String> SCALARS = Set.of("RIP", "EIP", "RFL", "EFL", "CPL", "HLT", "CR0", "CR2", "CR3", "CR4", "EFER");
    /** First keys of the register lines this parser reads; other KEY= lines are skipped. */
    private static final Set<String> REGISTER_LINES = Set.of("RAX", "RSI", "R8", "R12", "EAX", "ESI", "RIP", "EIP", "CR0", "EFER");

    private CpuStateParser() {}

    /**
     * Parses a whole dump.
     *
     * @throws CpuStateFormatException if the text is not a register dump or a CPU block is incomplete
     */
    public static List<CpuState> parse(String dump) {
        String[] lines = dump.split("\r\n|\r|\n", -1);
        List<CpuState> cpus = new ArrayList<>();
        Block block = null;
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            String line = lines[i].stripTrailing();
            if (line.isEmpty()) {
                continue;
            }
            Matcher header = CPU_HEADER.matcher(line);
            if (header.matches()) {
                if (block != null) {
                    cpus.add(block.finish());
                }
                int index = Integer.parseInt(header.group(1));
                for (CpuState c : cpus) {
                    if (c.cpu() == index) {
                        throw new CpuStateFormatException(number, "CPU#" + index + " appears twice");
                    }
                }
                block = new Block(index, number);
                continue;
            }
            if (block == null) {
                throw new CpuStateFormatException(number, "expected 'CPU#<n>', got " + quote(line));
            }
            block.line(number, line);
        }
        if (block == null) {
            throw new CpuStateFormatException(0, "no 'CPU#<n>' block in " + (dump.isBlank() ? "an empty dump" : quote(dump)));
        }
        cpus.add(block.finish());
        return List.copyOf(cpus);
    }

    /** The fields of one CPU block as they are read. */
    private static final class Block {
        private final int cpu;
        private final int headerLine;
        private final Map<String, Long> values = new HashMap<>();
        private final Map<String, Segment> segments = new HashMap<>();
        private final Map<String, DescriptorTable> tables = new HashMap<>();

        Block(int cpu, int headerLine) {
            this.cpu = cpu;
            this.headerLine = headerLine;
        }

        void line(int number, String line) {
            Matcher key = KEY.matcher(line);
            if (!key.find()) {
                throw new CpuStateFormatException(number, "not a register line: " + quote(line));
            }
            String name = key.group(1);
            if (SEGMENTS.contains(name)) {
                segment(number, line);
            } else if (name.equals("GDT") || name.equals("IDT")) {
                table(number, line);
            } else if (REGISTER_LINES.contains(name)) {
                registers(number, line);
            }
            // Any other KEY= line (FCW, FPR0, XMM00, DR0, ...) is not part of Registers.
        }

        private void segment(int number, String line) {
            Matcher m = SEGMENT.matcher(line);
            if (!m.matches()) {
                throw new CpuStateFormatException(number, "malformed segment register line " + quote(line));
            }
            Segment s = new Segment(Integer.parseInt(m.group(2), 16), hex(number, m.group(3)),
                    hex(number, m.group(4)), (int) hex(number, m.group(5)));
            if (segments.put(m.group(1), s) != null) {
                throw new CpuStateFormatException(number, m.group(1) + " given twice for CPU#" + cpu);
            }
        }

        private void table(int number, String line) {
            Matcher m = TABLE.matcher(line);
            if (!m.matches()) {
                throw new CpuStateFormatException(number, "malformed descriptor table line " + quote(line));
            }
            long limit = hex(number, m.group(3));
            if (limit > 0xFFFF_FFFFL) {
                throw new CpuStateFormatException(number, m.group(1) + " limit out of range: " + quote(line));
            }
            if (tables.put(m.group(1), new DescriptorTable(hex(number, m.group(2)), (int) limit)) != null) {
                throw new CpuStateFormatException(number, m.group(1) + " given twice for CPU#" + cpu);
            }
        }

        private void registers(int number, String line) {
            Matcher m = TOKEN.matcher(line);
            int end = 0;
            while (m.find()) {
                end = m.end();
                String name = m.group(1);
                if (name == null) {
                    continue; // a flag group such as [--S---C]; the value is in RFL/EFL.
                }
                String upper = name.toUpperCase(java.util.Locale.ROOT);
                if (GPR64.contains(upper) || GPR32.contains(upper) || SCALARS.contains(upper)) {
                    long v = upper.equals("CPL") || upper.equals("HLT") ? decimal(number, m.group(2)) : hex(number, m.group(2));
                    if (values.put(upper, v) != null) {
                        throw new CpuStateFormatException(number, upper + " given twice for CPU#" + cpu);
                    }
                }
            }
            if (!line.substring(end).isBlank()) {
                throw new CpuStateFormatException(number, "unreadable text after column " + end + " in " + quote(line));
            }
        }

        CpuState finish() {
            boolean wide = values.containsKey("RAX");
            boolean narrow = values.containsKey("EAX");
            if (wide == narrow) {
                throw new CpuStateFormatException(headerLine, "CPU#" + cpu + " has " + (wide ? "both RAX and EAX" : "neither RAX nor EAX"));
            }
            long[] gpr = new long[16];
            List<String> names = wide ? GPR64 : GPR32;
            for (int i = 0; i < names.size(); i++) {
                gpr[i] = require(names.get(i));
            }
            long cpl = require("CPL");
            long hlt = require("HLT");
            if (cpl > 3 || hlt > 1) {
                throw new CpuStateFormatException(headerLine, "CPU#" + cpu + ": CPL=" + cpl + " or HLT=" + hlt + " out of range");
            }
            return new CpuState(cpu, wide ? 64 : 32, (int) cpl, hlt == 1, new Registers(GeneralRegisters.of(gpr),
                    require(wide ? "RIP" : "EIP"), require(wide ? "RFL" : "EFL"),
                    segment("ES"), segment("CS"), segment("SS"), segment("DS"), segment("FS"), segment("GS"),
                    segment("LDT"), segment("TR"), table("GDT"), table("IDT"),
                    require("CR0"), require("CR2"), require("CR3"), require("CR4"), require("EFER")));
        }

        private long require(String name) {
            Long v = values.get(name);
            if (v == null) {
                throw missing(name);
            }
            return v;
        }

        private Segment segment(String name) {
            Segment s = segments.get(name);
            if (s == null) {
                throw missing(name);
            }
            return s;
        }

        private DescriptorTable table(String name) {
            DescriptorTable t = tables.get(name);
            if (t == null) {
                throw missing(name);
            }
            return t;
        }

        private CpuStateFormatException missing(String name) {
            return new CpuStateFormatException(headerLine, "CPU#" + cpu + " has no " + name);
        }
    }

    private static long hex(int line, String digits) {
        try {
            return Long.parseUnsignedLong(digits, 16);
        } catch (NumberFormatException e) {
            throw new CpuStateFormatException(line, "bad hex number " + quote(digits));
        }
    }

    private static long decimal(int line, String digits) {
        if (digits.length() > 2 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new CpuStateFormatException(line, "bad small decimal " + quote(digits));
        }
        return Long.parseLong(digits);
    }

    private static String quote(String s) {
        String one = s.length() > 100 ? s.substring(0, 100) + "..." : s;
        StringBuilder b = new StringBuilder("'");
        one.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.append('\'').toString();
    }
}
