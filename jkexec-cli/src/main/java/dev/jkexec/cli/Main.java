package dev.jkexec.cli;

import dev.jkexec.platform.JkexecException;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The {@code jkexec} command. One class per subcommand; this table is the only list of them.
 *
 * <p>Errors: a {@link JkexecException} (bad input, a refused operation, a machine fault) prints as
 * one line {@code jkexec: <message>} with exit status 1; usage errors exit 2. Stack traces appear
 * only with {@code JKEXEC_DEBUG=1}.
 */
@Command(name = "jkexec",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Load a new kernel beside a running system and hand the machine over to it.",
        subcommands = {
            CommandLine.HelpCommand.class,
            InspectCommand.class,
            PlanCommand.class,
            RunCommand.class,
            CtlCommand.class,
            DumpCommand.class,
            VerifyCommand.class,
            ScenarioCommand.class,
            DemoCommand.class,
            ExtractVmlinuxCommand.class,
            TestKernelCommand.class,
            MatrixCommand.class,
            AbiCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The commands that start a machine, and so speak QMP. */
    private static final java.util.Set<String> MACHINE_COMMANDS = java.util.Set.of("run", "demo", "scenario", "verify", "matrix");

    public static void main(String[] args) {
        dev.jkexec.platform.BootProfile.mark("jvm: started, Main loaded");
        if (args.length > 0 && MACHINE_COMMANDS.contains(args[0])) {
            dev.jkexec.qemu.qmp.QmpClient.warmUp(); // on the second core, while picocli parses
        }
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit status; used by {@link #main} and by tests. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
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
