package dev.jkexec.bench.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What the report says about the host: CPU model, cores, memory, load, QEMU's version, busy processes. */
final class HostFacts {
    private HostFacts() {
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String memory() {
        try {
            return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> String.format("%.1f GiB", Long.parseLong(l.replaceAll("\\D", "")) / 1048576.0)).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split("\\s+");
            return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)";
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String qemuVersion() {
        return firstLine(List.of("qemu-system-x86_64", "--version"));
    }

    /** The three busiest other processes by CPU share since they started, as {@code ps} shows them. */
    static String busyProcesses() {
        String out = output(List.of("ps", "-eo", "pcpu,comm", "--sort=-pcpu", "--no-headers"));
        long self = ProcessHandle.current().pid();
        return String.join("; ", out.lines().map(String::strip).filter(l -> !l.isEmpty()).limit(4)
                .filter(l -> !l.endsWith(" ps")).limit(3).toList()) + " (self pid " + self + ")";
    }

    static String firstLine(List<String> cmd) {
        return output(cmd).lines().findFirst().orElse("unknown").strip();
    }

    static String output(List<String> cmd) {
        try (RunningProcess p = RunningProcess.start(cmd, null, Map.of())) {
            p.awaitExit(java.time.Duration.ofSeconds(20));
            p.lines().awaitEnd(java.time.Duration.ofSeconds(5));
            StringBuilder b = new StringBuilder();
            p.lines().timeline().lines().forEach(s -> b.append(s.text()).append('\n'));
            return b.toString();
        }
    }
}
