package dev.jkexec.bench.report;

import dev.jkexec.bench.timeline.Stamp;
import dev.jkexec.bench.timeline.Timeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the time of one boot goes, phase by phase, for jkexec and QEMU side by side: each system's
 * marks (seconds from its process start, and the phase that ended there). jkexec's host-side marks
 * are its own {@code BootProfile} lines ({@code JKEXEC_PROFILE=1}: {@code jkexec-profile: <ms> +<ms>
 * <phase>}, from the launcher's start); the guest's marks (banner, {@code Run /init}, the init
 * marker) come from the serial console as stamped on arrival, for jkexec and QEMU alike. A segment
 * runs from one mark to the next and is named after the phase that ended it: phases that overlap
 * (QEMU starting while the kernel is planned) show as the steps of the critical path.
 */
public record BootTimeline(List<Mark> marks) {
    public record Mark(String system, double seconds, String phase) {
    }

    /** A time span of one system: {@code [start, end]} seconds, ended by {@code phase}. */
    public record Segment(String phase, double start, double end) {
        public double seconds() {
            return end - start;
        }

        /** The phase's group, for the chart's colours: the word before its colon ("qemu", "plan", ...), else the phase. */
        public String group() {
            int c = phase.indexOf(':');
            return c > 0 ? phase.substring(0, c) : phase;
        }
    }

    static final Pattern PROFILE = Pattern.compile("jkexec-profile:\\s+([0-9.]+) ms\\s+\\+\\s*[0-9.]+\\s+(.+)$");
    static final Pattern BANNER = Pattern.compile("Linux version \\d");
    static final Pattern RUN_INIT = Pattern.compile("Run /init as init process");

    public BootTimeline {
        marks = List.copyOf(marks);
    }

    /**
     * The marks of one run: its profile lines (if any) before the banner, then the guest's banner,
     * {@code Run /init} and the line matching {@code ready}, from {@code t}'s arrival stamps.
     */
    public static List<Mark> fromRun(String system, Timeline t, Pattern ready) {
        List<Mark> out = new ArrayList<>();
        Optional<Stamp> banner = t.first(BANNER);
        for (Stamp s : t.lines()) {
            Matcher x = PROFILE.matcher(s.text());
            if (x.find()) {
                double at = Double.parseDouble(x.group(1)) / 1000;
                String phase = x.group(2).strip();
                // the guest's own marks are taken from the console below, for jkexec and QEMU alike
                if (!phase.startsWith("kernel:") && (banner.isEmpty() || at < banner.get().seconds())) {
                    out.add(new Mark(system, at, phase));
                }
            }
        }
        banner.ifPresent(b -> out.add(new Mark(system, b.seconds(), out.isEmpty()
                ? "qemu: started, kernel entered, to its banner" : "guest: kernel entered, to its banner")));
        t.first(RUN_INIT).ifPresent(r -> out.add(new Mark(system, r.seconds(), "guest: kernel init to Run /init")));
        t.first(ready).ifPresent(r -> out.add(new Mark(system, r.seconds(), "guest: /init to its marker")));
        return out;
    }

    public List<String> systems() {
        return List.copyOf(new LinkedHashSet<>(marks.stream().map(Mark::system).toList()));
    }

    /** The system's segments in time order, from its process start (0). */
    public List<Segment> segments(String system) {
        List<Mark> own = marks.stream().filter(m -> m.system().equals(system)).sorted(Comparator.comparingDouble(Mark::seconds)).toList();
        List<Segment> out = new ArrayList<>();
        double prev = 0;
        for (Mark m : own) {
            out.add(new Segment(m.phase(), prev, m.seconds()));
            prev = m.seconds();
        }
        return out;
    }

    public String serialize() {
        StringBuilder b = new StringBuilder("# system\tseconds\tphase\n");
        for (Mark m : marks) {
            b.append(m.system()).append('\t').append(String.format(Locale.ROOT, "%.6f", m.seconds())).append('\t').append(m.phase()).append('\n');
        }
        return b.toString();
    }

    public static BootTimeline parse(String text) {
        List<Mark> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\t", 3);
            if (f.length != 3) {
                throw new IllegalArgumentException("timeline line: expected 3 tab-separated fields, got " + f.length + ": " + line);
            }
            out.add(new Mark(f[0], Double.parseDouble(f[1]), f[2]));
        }
        return new BootTimeline(out);
    }

    public void write(Path file) {
        try {
            Files.writeString(file, serialize());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BootTimeline read(Path file) {
        try {
            return Files.isRegularFile(file) ? parse(Files.readString(file)) : new BootTimeline(List.of());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
