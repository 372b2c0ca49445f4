package dev.jkexec.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Draws the report's chart as SVG text, with no library: one panel per scenario, one horizontal
 * bar per system and metric (the median), a whisker from min to max, the median printed beside
 * it. Peers are grey, jkexec systems blue. Each panel has its own linear scale starting at 0, with
 * gridlines at round steps, so bars within a panel compare directly.
 */
public final class SvgChart {
    static final int WIDTH = 960;
    static final int LABEL = 330;
    static final int BAR_AREA = 500;
    static final int ROW = 18;
    static final String PEER = "#9e9e9e";
    static final String JKEXEC = "#1f6fb4";

    /** One bar: its label, whether it is a peer, and its statistics. */
    public record Bar(String label, boolean peer, Stats stats) {
    }

    /** A group of bars under a heading (one metric). */
    public record Group(String heading, List<Bar> bars) {
    }

    /** A panel: a title, a unit, groups sharing one scale. */
    public record Panel(String title, String unit, List<Group> groups) {
    }

    private SvgChart() {
    }

    /** The panels of the end-to-end scenarios, from {@code m}: headline time metrics only. */
    public static List<Panel> panels(Measurements m) {
        List<Panel> panels = new ArrayList<>();
        for (ScenarioSpec s : ScenarioSpec.all()) {
            List<Group> groups = new ArrayList<>();
            for (String metric : s.metrics()) {
                if (metric.equals(Systems.RESERVED) || metric.equals(Systems.KERNEL_INIT) || metric.equals(Systems.PRINTK_INIT)
                        || metric.equals(Systems.HUNG) || metric.equals(Systems.DUMP_SIZE) || metric.equals(Systems.DUMP_DISK)) {
                    continue;
                }
                List<Bar> bars = new ArrayList<>();
                for (String system : m.systems(s.id())) {
                    Optional<Stats> st = m.stats(new Key(s.id(), system, metric));
                    st.ifPresent(stats -> bars.add(new Bar(system, s.isPeer(system), stats)));
                }
                if (!bars.isEmpty()) {
                    groups.add(new Group(metric, bars));
                }
            }
            if (!groups.isEmpty()) {
                panels.add(new Panel(s.title() + " — seconds from " + shortOrigin(s), "s", groups));
            }
        }
        return panels;
    }

    private static String shortOrigin(ScenarioSpec s) {
        return switch (s.id()) {
            case Systems.BOOT -> "start";
            case Systems.EXEC -> "request";
            case Systems.CRASH -> "panic";
            default -> "request";
        };
    }

    /** The SVG document. */
    public static String render(String title, String subtitle, List<Panel> panels) {
        StringBuilder body = new StringBuilder();
        int y = 74;
        for (Panel p : panels) {
            y = panel(body, p, y) + 16;
        }
        int height = y + 10;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                        + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">%n",
                WIDTH, height, WIDTH, height));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">%s</text>%n", esc(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"40\" fill=\"#555\">%s</text>%n", esc(subtitle)));
        svg.append(String.format(Locale.ROOT, "<rect x=\"10\" y=\"50\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                + "<text x=\"28\" y=\"60\">what users run instead</text>%n", PEER));
        svg.append(String.format(Locale.ROOT, "<rect x=\"200\" y=\"50\" width=\"12\" height=\"12\" fill=\"%s\"/>"
                + "<text x=\"218\" y=\"60\">jkexec</text>%n", JKEXEC));
        svg.append(body);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static int panel(StringBuilder b, Panel p, int top) {
        double max = 0;
        for (Group g : p.groups()) {
            for (Bar bar : g.bars()) {
                max = Math.max(max, bar.stats().max());
            }
        }
        double step = niceStep(max);
        double scaleMax = max <= 0 ? 1 : Math.ceil(max / step) * step;
        int rows = p.groups().stream().mapToInt(g -> g.bars().size() + 1).sum();
        int y = top;
        b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>%n", y + 14, esc(p.title())));
        y += 22;
        int gridTop = y;
        int gridBottom = y + rows * ROW;
        for (double v = 0; v <= scaleMax + step / 2; v += step) {
            double x = LABEL + v / scaleMax * BAR_AREA;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e3e3\"/>%n", x, gridTop, x, gridBottom));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\" font-size=\"10\">%s</text>%n",
                    x, gridBottom + 12, fmt(v) + (v == 0 ? "" : " " + p.unit())));
        }
        for (Group g : p.groups()) {
            b.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" font-style=\"italic\" fill=\"#333\">%s</text>%n", y + 13, esc(g.heading())));
            y += ROW;
            for (Bar bar : g.bars()) {
                Stats s = bar.stats();
                double w = s.median() / scaleMax * BAR_AREA;
                double x1 = LABEL + s.min() / scaleMax * BAR_AREA;
                double x2 = LABEL + s.max() / scaleMax * BAR_AREA;
                int mid = y + ROW / 2;
                b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LABEL - 8, y + 13, esc(bar.label())));
                b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>%n",
                        LABEL, y + 3, Math.max(w, 0.5), ROW - 6, bar.peer() ? PEER : JKEXEC));
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>%n", x1, mid, x2, mid));
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>%n", x1, mid - 4, x1, mid + 4));
                b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"black\"/>%n", x2, mid - 4, x2, mid + 4));
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n", Math.max(x2, LABEL + w) + 6, y + 13,
                        esc(fmt(s.median()) + " " + p.unit())));
                y += ROW;
            }
        }
        return gridBottom + 16;
    }

    /** A round gridline step giving 4–10 lines up to {@code max}. */
    static double niceStep(double max) {
        if (max <= 0) {
            return 1;
        }
        double raw = max / 5;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (raw <= m * mag) {
                return m * mag;
            }
        }
        return 10 * mag;
    }

    static String fmt(double v) {
        if (v == 0) {
            return "0";
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (Math.abs(v) >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
