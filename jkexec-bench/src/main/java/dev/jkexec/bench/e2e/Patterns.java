package dev.jkexec.bench.e2e;

import dev.jkexec.bench.guest.BenchInit;
import java.util.regex.Pattern;

/** The console lines the scenarios look for. */
final class Patterns {
    static final Pattern BANNER = Pattern.compile("Linux version \\d");
    static final Pattern PANIC = Pattern.compile("Kernel panic - not syncing");
    static final Pattern STARTING_NEW = Pattern.compile("kexec_core: Starting new kernel");
    static final Pattern KEXEC_E = Pattern.compile(Pattern.quote(BenchInit.KEXEC_E));
    static final Pattern VMCORE = Pattern.compile(Pattern.quote(BenchInit.VMCORE_SIZE) + " (\\d+)");
    static final Pattern CRASH_SIZE = Pattern.compile(Pattern.quote(BenchInit.CRASH_SIZE) + " (\\d+)");
    static final Pattern LOADS_DONE = Pattern.compile("PB: LOADS-DONE");
    static final Pattern CLI_HEADER = Pattern.compile("^jkexec: .*(TCG|KVM|tcg|kvm)");

    private Patterns() {
    }

    static Pattern ready(int gen) {
        return Pattern.compile(Pattern.quote(BenchInit.READY) + " gen=" + gen + "\\b");
    }

    static Pattern ready(String gen) {
        return Pattern.compile(Pattern.quote(BenchInit.READY) + " gen=" + Pattern.quote(gen) + "\\b");
    }

    static Pattern loadStart(int i) {
        return Pattern.compile(Pattern.quote(BenchInit.LOAD_START) + " " + i + "\\b");
    }

    static Pattern loadEnd(int i) {
        return Pattern.compile(Pattern.quote(BenchInit.LOAD_END) + " " + i + "\\b");
    }
}
