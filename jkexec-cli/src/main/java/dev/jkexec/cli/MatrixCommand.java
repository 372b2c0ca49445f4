package dev.jkexec.cli;

import dev.jkexec.machine.matrix.CompatibilityMatrix.Column;
import dev.jkexec.machine.matrix.CompatibilityMatrix;
import dev.jkexec.machine.matrix.MatrixKernel;
import dev.jkexec.machine.matrix.MatrixReport;
import dev.jkexec.platform.JkexecException;
import dev.jkexec.qemu.process.Accel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jkexec matrix}: runs the compatibility matrix (every kernel jkexec can get × boot 64,
 * boot 32, boot 16, exec, crash, verify) on real machines and prints it as Markdown;
 * {@code --write FILE} splices it into a document between the matrix markers. The full run is
 * {@code scripts/matrix.sh}, which fetches the kernels first.
 */
@Command(name = "matrix", mixinStandardHelpOptions = true,
        description = {"Run the compatibility matrix: kernel x {boot 64, boot 32, boot 16, exec, crash, verify}, each on a fresh machine.",
            "Kernels not fetched (scripts/kernels.sh) are 'no data'. Exit status 0 when no cell fails."})
final class MatrixCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--rows", paramLabel = "N,...", split = ",", description = "run only these rows (1-based, in the order of --list)")
    List<Integer> rows;

    @Option(names = "--columns", paramLabel = "C,...", split = ",",
            description = "run only these columns: boot64, boot32, boot16, exec, crash, verify")
    List<String> columns;

    @Option(names = "--list", description = "list the rows and whether their data is here, and exit")
    boolean list;

    @Option(names = "--write", paramLabel = "FILE", description = "splice the table into FILE between the matrix markers (repeatable)")
    List<Path> write = new ArrayList<>();

    @Option(names = "--accel", paramLabel = "tcg|kvm", description = "force the accelerator")
    String accel;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        List<MatrixKernel> all = MatrixKernel.all();
        if (list) {
            for (int i = 0; i < all.size(); i++) {
                MatrixKernel k = all.get(i);
                out.printf("%d  %-48s %-42s %s%n", i + 1, k.name(), k.source(), k.available() ? "here" : "no data");
            }
            out.flush();
            return 0;
        }
        List<MatrixKernel> kernels = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            if (rows == null || rows.contains(i + 1)) {
                kernels.add(all.get(i));
            }
        }
        List<Column> cols = columns == null ? Arrays.asList(Column.values()) : columns.stream().map(MatrixCommand::column).toList();
        Optional<Accel> a = accel == null ? Optional.empty() : Optional.of(accel.equalsIgnoreCase("kvm") ? Accel.KVM : Accel.TCG);
        Path work = Files.createTempDirectory("jkexec-matrix");
        List<CompatibilityMatrix.Row> result;
        try {
            result = new CompatibilityMatrix(System.err, o -> o.hardware(h -> h.accel(a)), work).run(kernels, cols);
        } finally {
            try (var s = Files.walk(work)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
        String facts = String.format("Measured %s by `scripts/matrix.sh` with %s, %s on %s, 2 host cores; each cell a fresh "
                + "machine with a 1 GiB guest; times are the cell's, QEMU start included.", LocalDate.now(), qemuVersion(),
                Accel.choose(a).accel().name(), System.getProperty("os.arch"));
        String table = MatrixReport.markdown(result, cols, facts);
        out.print(table);
        out.flush();
        for (Path f : write) {
            String doc = Files.isRegularFile(f) ? Files.readString(f) : "";
            Files.writeString(f, MatrixReport.splice(doc, table));
        }
        return MatrixReport.allPassed(result) ? 0 : 1;
    }

    private static Column column(String name) {
        return switch (name.toLowerCase(Locale.ROOT).replace(" ", "").replace("-", "")) {
            case "boot64" -> Column.BOOT_64;
            case "boot32" -> Column.BOOT_32;
            case "boot16" -> Column.BOOT_16;
            case "exec" -> Column.EXEC;
            case "crash" -> Column.CRASH;
            case "verify" -> Column.VERIFY;
            default -> throw new JkexecException("--columns: '" + name + "' is none of boot64, boot32, boot16, exec, crash, verify");
        };
    }

    private static String qemuVersion() {
        try {
            Process p = new ProcessBuilder("qemu-system-x86_64", "--version").redirectErrorStream(true).start();
            String first = new String(p.getInputStream().readAllBytes()).lines().findFirst().orElse("QEMU");
            p.waitFor();
            return first.replace("QEMU emulator version", "QEMU").strip();
        } catch (IOException | InterruptedException e) {
            return "QEMU";
        }
    }
}
