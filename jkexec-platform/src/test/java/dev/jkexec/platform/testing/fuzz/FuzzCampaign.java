package dev.jkexec.platform.testing.fuzz;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs one {@code @FuzzTest} in Jazzer's fuzzing mode for a while: the engine of
 * {@code jkexec-bench/fuzz.sh}, started in the target's module directory with that module's test
 * class path, once per target (libFuzzer fuzzes one target per process).
 *
 * <pre>java -cp TEST_CLASSPATH dev.jkexec.platform.testing.fuzz.FuzzCampaign CLASS#METHOD SECONDS</pre>
 *
 * <p>What it sets: fuzzing mode for {@code SECONDS}; JUnit's own timeouts off (Jazzer turns the
 * class's {@code @Timeout} into libFuzzer's per-input {@code -timeout}, a hang finding); libFuzzer's
 * final statistics on (the execution count fuzz.sh reports); {@code -keep_going} so that one run
 * collects every distinct finding (each is written as {@code crash-*} / {@code timeout-*} into the
 * target's Inputs directory, where regression mode replays it). The generated corpus goes to
 * {@code .cifuzz-corpus/} in the module directory. Exit status: 0 without findings, 1 with.
 */
public final class FuzzCampaign {
    private FuzzCampaign() {
    }

    public static void main(String[] args) {
        if (args.length != 2 || !args[0].contains("#")) {
            System.err.println("usage: FuzzCampaign CLASS#METHOD SECONDS");
            System.exit(2);
        }
        String[] target = args[0].split("#", 2);
        long seconds = Long.parseLong(args[1]);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("jazzer.fuzz", "true");
        config.put("jazzer.max_duration", seconds + "s");
        config.put("jazzer.keep_going", "100");
        config.put("junit.jupiter.execution.timeout.mode", "disabled");
        config.put("jazzer.internal.arg.0", "jkexec-fuzz");
        config.put("jazzer.internal.arg.1", "-print_final_stats=1");
        config.put("jazzer.internal.arg.2", "-rss_limit_mb=0");
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                .selectors(selectMethod(target[0] + "#" + target[1] + "(byte[])"))
                .configurationParameters(config)
                .build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener summary = new SummaryGeneratingListener();
        launcher.execute(request, summary);
        TestExecutionSummary s = summary.getSummary();
        s.printTo(new PrintWriter(System.out, true));
        s.printFailuresTo(new PrintWriter(System.out, true), 40);
        System.exit(s.getTotalFailureCount() == 0 && s.getTestsSucceededCount() > 0 ? 0 : 1);
    }
}
