package dev.jkexec.cli;

import dev.jkexec.platform.JkexecException;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.machine.scenario.ScenarioParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jkexec demo}: the built-in scenario — boot, exec into another kernel, crash into a crash
 * kernel that reads the old guest's memory — narrated with timings.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Boot, kexec into another kernel, crash into a crash kernel: the built-in demo.",
            "Boots the Debian generic kernel, loads and execs the cloud kernel, loads a crash kernel, panic the guest, and watch the crash kernel read the guest's marker from /proc/vmcore.",
            "Narrated step by step with timings. Uses jkexec's test data (../shared/testdata or JKEXEC_TESTDATA)."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--print", description = "print the demo's scenario (JSON) instead of running it")
    boolean print;

    @Option(names = "--quiet", description = "do not echo console lines")
    boolean quiet;

    @Override
    public Integer call() {
        String json = demo();
        if (print) {
            System.out.print(json);
            return 0;
        }
        GuestAssets.genericKernel();
        GuestAssets.cloudKernel();
        GuestAssets.busybox();
        return ScenarioCommand.run(ScenarioParser.parse(json, Path.of("").toAbsolutePath()),
                Path.of("").toAbsolutePath(), quiet);
    }

    static String demo() {
        try (InputStream in = DemoCommand.class.getResourceAsStream("demo.json")) {
            if (in == null) {
                throw new JkexecException("the built-in demo scenario is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new JkexecException("reading the demo scenario: " + e.getMessage(), e);
        }
    }
}
