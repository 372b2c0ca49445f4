package dev.jkexec.cli;

import dev.jkexec.platform.JkexecException;
import java.io.PrintWriter;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code jkexec} command. One class per subcommand; {@link #COMMANDS} is the only list of them.
 *
 * <p>A command line builds the picocli model of the one subcommand it names, not of all of them:
 * picocli reads every option of every command it is given by reflection, at ~20-60 ms of a cold
 * JVM's start per command (each annotation type read is a dynamic proxy class, generated at run time:
 * the launcher's AOT cache holds picocli's classes, built at Java 25 by jkexec-picocli, but not
 * those), and a {@code jkexec run} needs only {@code run}'s ({@code --version} none). Help, an
 * unknown word or no subcommand get them all, and picocli's {@code help} command, so usage and "did
 * you mean" list every command. {@code jkexec run} reads no annotation at all: its model, and
 * {@code jkexec}'s above it, are built by {@link RunSpec} with picocli's programmatic API.
 *
 * <p>Errors: a {@link JkexecException} (bad input, a refused operation, a machine fault) prints as
 * one line {@code jkexec: <message>} with exit status 1; usage errors exit 2. Stack traces appear
 * only with {@code JKEXEC_DEBUG=1}.
 */
@Command(name = "jkexec",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = Main.DESCRIPTION)
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The usage's description of {@code jkexec}: the annotation's, and {@link RunSpec}'s. */
    static final String DESCRIPTION = "Load a new kernel beside a running system and hand the machine over to it.";

    static {
        // picocli's DefaultFactory, at its first use, looks for groovy.lang.Closure (Class.forName) unless
        // told not to. No such class is in the launcher's AOT cache or anywhere else, so the look-up makes
        // the class loader open jkexec.jar, which a `run` otherwise does not need before QEMU starts (every
        // class it needs comes from the cache), and index its ~5,700 entries in interpreted code, only to
        // fail: 0.1-0.2 s of every command's parse under load (docs/boot-profile.md). jkexec has no Groovy.
        System.setProperty("picocli.disable.closures", "true");
        // Each CommandLine (a run makes two: jkexec and run) registers picocli's built-in converters, and
        // those for java.sql and java.time are found by reflection (Class.forName, getDeclaredMethod: ~19
        // look-ups, ~4 ms of a cold start before the parse; docs/boot-profile.md, branch clifast). No
        // jkexec option has such a type; one that did would fail at once with picocli's "No
        // TypeConverter registered". Path stays: Inputs::path replaces it only under Main.run.
        System.setProperty("picocli.converters.excludes", "java\\.(sql|time)\\..*");
    }

    /** The commands that start a machine, and so speak QMP. */
    private static final java.util.Set<String> MACHINE_COMMANDS = java.util.Set.of("run", "demo", "scenario", "verify", "matrix");

    public static void main(String[] args) {
        dev.jkexec.platform.BootProfile.mark("jvm: started, Main loaded");
        if (args.length > 0 && MACHINE_COMMANDS.contains(args[0])) {
            warmUpForMachine();
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * On the second core, while picocli parses: QMP's JSON warm-up, and QEMU's launcher thread, started
     * here instead of at the launch, where its start (1-12 ms on a loaded host) was on the path to QEMU's
     * spawn; it waits for the spawn request meanwhile. One thread started here starts both, so that the
     * parse pays for one thread's start, as before. Then {@code ProcessHandle}'s initialisation (1-4 ms
     * cold, more under load), which the API socket's default name needs on the main thread before the
     * spawn and the spawn needs after its fork. {@link AotTraining} calls this too: a lambda that the
     * training never ran is not in the AOT cache, and would be spun at every start.
     */
    static void warmUpForMachine() {
        Thread.ofPlatform().daemon().name("jkexec-machine-warmup").start(() -> {
            dev.jkexec.qemu.qmp.QmpClient.warmUp();
            dev.jkexec.qemu.process.QemuProcess.prepare();
            ProcessHandle.current();
        });
    }

    /** Runs the command line and returns the exit status; used by {@link #main} and by tests. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(args.length > 0 ? args[0] : null);
        cl.registerConverter(java.nio.file.Path.class, Inputs::path);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, args1) -> {
            // A usage error is one line naming the option and the value, then where the usage is.
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            err.println("jkexec: " + JkexecException.oneLine(ex.getMessage()) + " (see '" + name + " --help')");
            return USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (debug()) {
                ex.printStackTrace(err);
            }
            if (ex instanceof UsageException) {
                err.println("jkexec: " + ex.getMessage() + " (see '" + commandLine.getCommandSpec().qualifiedName() + " --help')");
                return USAGE;
            }
            if (ex instanceof JkexecException) {
                err.println("jkexec: " + ex.getMessage());
                return 1;
            }
            err.println("jkexec: internal error: " + ex + " (set JKEXEC_DEBUG=1 for the stack trace)");
            return 70;
        });
        return cl.execute(args);
    }

    /** Exit status of a usage error: an unknown option, a value that does not convert or is out of range. */
    static final int USAGE = 2;

    /** Every subcommand, by name, in the order usage lists them. */
    static final Map<String, Supplier<Object>> COMMANDS = commands();

    private static Map<String, Supplier<Object>> commands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("inspect", InspectCommand::new);
        m.put("plan", PlanCommand::new);
        m.put("run", RunCommand::new);
        m.put("ctl", CtlCommand::new);
        m.put("dump", DumpCommand::new);
        m.put("verify", VerifyCommand::new);
        m.put("scenario", ScenarioCommand::new);
        m.put("demo", DemoCommand::new);
        m.put("extract-vmlinux", ExtractVmlinuxCommand::new);
        m.put("test-kernel", TestKernelCommand::new);
        m.put("matrix", MatrixCommand::new);
        m.put("abi", AbiCommand::new);
        return Collections.unmodifiableMap(m);
    }

    /** The command line for arguments whose first word is {@code first}: that subcommand only, when it is one; else all. */
    static CommandLine commandLine(String first) {
        if ("run".equals(first)) {
            return RunSpec.commandLine(); // the command a user times: no annotation read (RunSpec)
        }
        CommandLine cl = new CommandLine(new Main());
        Supplier<Object> only = first == null ? null : COMMANDS.get(first);
        if (only != null) {
            cl.addSubcommand(first, only.get());
        } else if (!"--version".equals(first) && !"-V".equals(first)) {
            cl.addSubcommand(new CommandLine.HelpCommand()); // "jkexec help [COMMAND]", a command of its own
            COMMANDS.forEach((name, command) -> cl.addSubcommand(name, command.get()));
        }
        return cl;
    }

    static boolean debug() {
        return "1".equals(System.getenv("JKEXEC_DEBUG"));
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"jkexec " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }
    }
}
