package dev.jkexec.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The per-phase timeline of one boot as an SVG: one horizontal bar per system, from its process
 * start to its init marker, cut into the {@link BootTimeline.Segment}s of its marks and coloured by
 * phase group (launcher, jvm, cli, qemu, plan, load, exec, firmware, guest), with a legend. Pure.
 */
public final class TimelineChart {
    static final int WIDTH = 1000;
    static final int LABEL = 250;
    static final int AREA = 700;
    static final int ROW = 34;
    private static final String[] PALETTE = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
            "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295"};

    private TimelineChart() {
    }

    public static String render(String title, String subtitle, BootTimeline t) {
        List<String> systems = t.systems();
        double max = 0;
        Map<String, String> colours = new LinkedHashMap<>();
        for (String s : systems) {
            for (BootTimeline.Segment g : t.segments(s)) {
                max = Math.max(max, g.end());
                colours.computeIfAbsent(g.group(), k -> PALETTE[colours.size() % PALETTE.length]);
            }
        }
        double step = SvgChart.niceStep(max);
        double scale = max <= 0 ? 1 : Math.ceil(max / step) * step;
        StringBuilder b = new StringBuilder();
        int top = 60;
        int bottom = top + systems.size() * ROW;
        for (double v = 0; v <= scale + step / 2; v += step) {
            double x = LABEL + v / scale * AREA;
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e3e3e3\"/>%n", x, top, x, bottom));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#777\" font-size=\"10\">%s</text>%n",
                    x, bottom + 12, SvgChart.fmt(v) + (v == 0 ? "" : " s")));
        }
        int y = top;
        for (String s : systems) {
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", LABEL - 8, y + 20, SvgChart.esc(s)));
            for (BootTimeline.Segment g : t.segments(s)) {
                double x = LABEL + g.start() / scale * AREA;
                double w = Math.max(g.seconds() / scale * AREA, 0.5);
                b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" stroke=\"white\" "
                        + "stroke-width=\"0.5\"><title>%s</title></rect>%n", x, y + 4, w, ROW - 8, colours.get(g.group()),
                        SvgChart.esc(g.phase() + ": " + SvgChart.fmt(g.seconds()) + " s (ends at " + SvgChart.fmt(g.end()) + " s)")));
            }
            List<BootTimeline.Segment> segs = t.segments(s);
            if (!segs.isEmpty()) {
                double end = segs.getLast().end();
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">%s</text>%n", LABEL + end / scale * AREA + 6, y + 20,
                        SvgChart.esc(SvgChart.fmt(end) + " s")));
            }
            y += ROW;
        }
        int ly = bottom + 30;
        int lx = 10;
        List<String> legend = new ArrayList<>(colours.keySet());
        for (String group : legend) {
            int w = 26 + group.length() * 7;
            if (lx + w > WIDTH - 10) {
                lx = 10;
                ly += 18;
            }
            b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/><text x=\"%d\" y=\"%d\">%s</text>%n",
                    lx, ly - 10, colours.get(group), lx + 16, ly, SvgChart.esc(group)));
            lx += w;
        }
        int height = ly + 14;
        return String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
                + "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">%n", WIDTH, height, WIDTH, height)
                + String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height)
                + String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">%s</text>%n", SvgChart.esc(title))
                + String.format(Locale.ROOT, "<text x=\"10\" y=\"40\" fill=\"#555\">%s</text>%n", SvgChart.esc(subtitle))
                + b + "</svg>\n";
    }
}
