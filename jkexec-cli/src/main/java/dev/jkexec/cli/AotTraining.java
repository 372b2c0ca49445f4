package dev.jkexec.cli;

import dev.jkexec.image.multiboot.MultibootTestKernel;
import dev.jkexec.platform.GuestAssets;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The training run of the launcher's JVM AOT cache ({@code ./jkexec}, JDK 25 {@code -XX:AOTCacheOutput},
 * JEP 483/514/515): runs the CLI's common commands once, in one JVM, so that the classes they load, link
 * and initialise, and the profiles of their hot methods, go into the cache every later launch maps.
 *
 * <p>What it runs: {@code --help}, {@code --version}; with the generic test kernel ({@link GuestAssets}):
 * {@code inspect}, {@code plan}, and a {@code run} of it in a busybox guest up to its banner; and a
 * {@code run} of jkexec's Multiboot test kernel (machine, QMP, firmware, console) to its last line. The
 * commands that start a machine run only when {@code qemu-system-x86_64} is on the PATH. Every command's
 * output is discarded; a command that fails only makes the cache less complete, never wrong (the JVM
 * checks the cache against the jar at every launch), so training never fails the launcher.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] args) throws IOException {
        PrintStream realErr = System.err;
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        System.setOut(sink);
        System.setErr(sink);
        PrintWriter out = new PrintWriter(sink, true);
        Path dir = Files.createTempDirectory("jkexec-aot-training");
        boolean noMachine = args.length > 0 && args[0].equals("--no-machine");
        if (!noMachine) {
            Main.warmUpForMachine(); // what Main.main starts for a machine's command, which Main.run does not
        }
        try {
            for (List<String> command : commands(dir, noMachine)) {
                long t0 = System.nanoTime();
                int status;
                try {
                    status = Main.run(command.toArray(String[]::new), out, out);
                } catch (RuntimeException | Error e) {
                    status = -1;
                }
                realErr.printf("aot-training: %-8s %3d  %5d ms  %s%n", command.getFirst(), status,
                        (System.nanoTime() - t0) / 1_000_000, String.join(" ", command));
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }

    private static List<List<String>> commands(Path dir, boolean noMachine) throws IOException {
        List<List<String>> commands = new ArrayList<>();
        commands.add(List.of("--help"));
        commands.add(List.of("--version"));
        boolean machine = !noMachine && onPath("qemu-system-x86_64");
        Path kernel = GuestAssets.dir().resolve(GuestAssets.GENERIC_KERNEL);
        if (Files.isRegularFile(kernel)) {
            commands.add(List.of("inspect", kernel.toString()));
            commands.add(List.of("plan", "--kernel", kernel.toString(), "--ram", "1G"));
            if (machine) {
                commands.add(List.of("run", "--kernel", kernel.toString(), "--busybox", "--quiet",
                        "--exit-on", "Linux version", "--timeout", "60", "--api", dir.resolve("k.sock").toString()));
            }
        }
        if (machine) {
            Path mb = dir.resolve("mbtest.bin");
            Files.write(mb, MultibootTestKernel.build());
            commands.add(List.of("run", "--kernel", mb.toString(), "--quiet", "--exit-on", "mbtest: done",
                    "--timeout", "30", "--api", dir.resolve("mb.sock").toString()));
        }
        return commands;
    }

    private static boolean onPath(String exe) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String d : path.split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, exe))) {
                return true;
            }
        }
        return false;
    }
}
