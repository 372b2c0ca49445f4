package dev.jkexec.cli;

import dev.jkexec.platform.InputFile;
import dev.jkexec.machine.scenario.Scenario;
import dev.jkexec.machine.scenario.ScenarioParser;
import dev.jkexec.machine.scenario.ScenarioRunner;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jkexec scenario FILE}: runs a documented JSON scenario step by step. */
@Command(name = "scenario", mixinStandardHelpOptions = true,
        description = {"Run a JSON scenario of machine steps, each timed and checked.",
            "Machine settings, then steps (boot, expect, load, unload, exec, crash, panic, type, expect-crash, dump), each printed with its duration and PASS/FAIL. Exit status 0 when every step passes.",
            "The format is documented in the javadoc of dev.jkexec.machine.scenario.ScenarioParser and in docs/scenarios.md."})
final class ScenarioCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "the scenario (JSON)")
    Path file;

    @Option(names = "--dump-dir", paramLabel = "DIR", converter = Converters.WritableDirectory.class, description = "where host-side cores go (default: the scenario's directory)")
    Path dumpDir;

    @Option(names = "--quiet", description = "do not echo console lines")
    boolean quiet;

    /** Largest scenario file: thousands of steps; never the heap. */
    static final long MAX_SCENARIO = 16L << 20;

    @Override
    public Integer call() {
        String json = new InputFile("scenario", file).readUtf8(MAX_SCENARIO, "the largest scenario file");
        Path base = file.toAbsolutePath().getParent();
        return run(ScenarioParser.parse(json, base), dumpDir != null ? dumpDir : base, quiet);
    }

    static int run(Scenario s, Path dumps, boolean quiet) {
        ScenarioRunner.Result r = new ScenarioRunner(System.out, o -> o.dumpDirectory(dumps), !quiet).run(s);
        return r.passed() ? 0 : 1;
    }
}
