package dev.jkexec.bench.ram;

import dev.jkexec.bench.report.Stats;
import dev.jkexec.bench.report.SvgChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How boot, exec, crash and dump times grow with guest RAM: reads the output of
 * {@code jkexec scenario} for one scenario per RAM size ({@code ram-scaling.sh} writes and runs
 * them), prints a Markdown table and writes an SVG chart with the bench's chart writer.
 *
 * <p>Usage: {@code RamScaling --svg OUT.svg NAME=FILE...} (NAME the RAM size, FILE its output).
 */
public final class RamScaling {
    private static final Pattern STEP = Pattern.compile("^\\[\\s*[0-9.]+s\\] step \\d+/\\d+ [a-z-]+: (.*)$");
    private static final Pattern PASS = Pattern.compile("^\\s+PASS\\s+([0-9.]+) s\\s+(.*)$");
    /** The scenario's step titles, and what a row of the table calls them. */
    static final Map<String, String> COLUMNS = new LinkedHashMap<>();

    static {
        COLUMNS.put("boot", "boot: load + handover");
        COLUMNS.put("boot: init ready", "boot: → init");
        COLUMNS.put("exec", "exec: handover");
        COLUMNS.put("exec: init ready", "exec: → init");
        COLUMNS.put("crash", "panic → crash kernel entered");
        COLUMNS.put("crash kernel: init ready", "crash kernel → init");
        COLUMNS.put("dump elf", "dump ELF");
        COLUMNS.put("dump kdump-zlib", "dump kdump-zlib -d 31");
    }

    private RamScaling() {
    }

    /** Seconds per step title, and the PASS detail, of one scenario's output. */
    record Run(String name, Map<String, Double> seconds, Map<String, String> detail) {
    }

    static Run parse(String name, List<String> lines) {
        Map<String, Double> s = new LinkedHashMap<>();
        Map<String, String> d = new LinkedHashMap<>();
        String title = null;
        for (String line : lines) {
            Matcher m = STEP.matcher(line);
            if (m.matches()) {
                title = m.group(1);
                continue;
            }
            Matcher p = PASS.matcher(line);
            if (p.matches() && title != null) {
                s.put(title, Double.parseDouble(p.group(1)));
                d.put(title, p.group(2));
                title = null;
            }
        }
        return new Run(name, s, d);
    }

    public static void main(String[] args) throws IOException {
        Path svg = null;
        List<Run> runs = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--svg")) {
                svg = Path.of(args[++i]);
                continue;
            }
            String[] kv = args[i].split("=", 2);
            runs.add(parse(kv[0], Files.readAllLines(Path.of(kv[1]))));
        }
        StringBuilder t = new StringBuilder("| guest RAM |");
        COLUMNS.values().forEach(c -> t.append(' ').append(c).append(" |"));
        t.append("\n|---|").append("---:|".repeat(COLUMNS.size())).append('\n');
        for (Run r : runs) {
            t.append("| ").append(r.name()).append(" |");
            for (String k : COLUMNS.keySet()) {
                Double v = r.seconds().get(k);
                t.append(' ').append(v == null ? "–" : String.format("%.2f", v)).append(" |");
            }
            t.append('\n');
        }
        System.out.print(t);
        for (Run r : runs) {
            System.out.println(r.name() + ": " + r.detail().getOrDefault("RAM the guest sees", "?") + "; ELF "
                    + r.detail().getOrDefault("dump elf", "?") + "; kdump " + r.detail().getOrDefault("dump kdump-zlib", "?"));
        }
        if (svg != null) {
            List<SvgChart.Group> groups = new ArrayList<>();
            for (Map.Entry<String, String> c : COLUMNS.entrySet()) {
                List<SvgChart.Bar> bars = new ArrayList<>();
                for (Run r : runs) {
                    Double v = r.seconds().get(c.getKey());
                    if (v != null) {
                        bars.add(new SvgChart.Bar(r.name(), false, Stats.of(List.of(v))));
                    }
                }
                groups.add(new SvgChart.Group(c.getValue(), bars));
            }
            Files.writeString(svg, SvgChart.render("jkexec: time per step against guest RAM",
                    "one jkexec scenario per size, TCG, loaded 2-core host; seconds (in-process step times)",
                    List.of(new SvgChart.Panel("steps", "s", groups))));
        }
    }
}
