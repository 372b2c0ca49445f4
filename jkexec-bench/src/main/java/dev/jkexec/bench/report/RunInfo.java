package dev.jkexec.bench.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Facts about a benchmark run that the report states: date, machine, CPU model, QEMU and kernel
 * versions, accelerator, runs per scenario, load average before and after, payload sizes. An
 * ordered {@code name → value} map, stored as {@code name<TAB>value} lines.
 */
public final class RunInfo {
    private final Map<String, String> facts = new LinkedHashMap<>();

    public synchronized RunInfo put(String name, String value) {
        if (name.contains("\t") || name.contains("\n") || value.contains("\n") || value.contains("\t")) {
            throw new IllegalArgumentException("tab or newline in fact " + name + " = " + value);
        }
        facts.put(name, value);
        return this;
    }

    public synchronized Optional<String> get(String name) {
        return Optional.ofNullable(facts.get(name));
    }

    public synchronized Map<String, String> all() {
        return new LinkedHashMap<>(facts);
    }

    public synchronized String serialize() {
        StringBuilder b = new StringBuilder();
        facts.forEach((k, v) -> b.append(k).append('\t').append(v).append('\n'));
        return b.toString();
    }

    public static RunInfo parse(String text) {
        RunInfo info = new RunInfo();
        for (String line : text.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int tab = line.indexOf('\t');
            if (tab < 0) {
                throw new IllegalArgumentException("run info line without a tab: " + line);
            }
            info.put(line.substring(0, tab), line.substring(tab + 1));
        }
        return info;
    }

    public void write(Path file) {
        try {
            Files.writeString(file, serialize());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static RunInfo read(Path file) {
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
