package dev.jkexec.machine.matrix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jkexec.machine.matrix.CompatibilityMatrix.Cell;
import dev.jkexec.machine.matrix.CompatibilityMatrix.Column;
import dev.jkexec.machine.matrix.CompatibilityMatrix.Status;
import dev.jkexec.platform.testing.NeedsQemu;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Machine tests (QEMU, TCG): the compatibility matrix's rows that have their data here — the test
 * kernels always, the kernels {@code scripts/kernels.sh} fetched when it could (rows without data
 * are skipped, naming the command). Each row runs all six columns; no cell may fail, and a cell is
 * n/a exactly when the kernel does not have that path. {@code scripts/matrix.sh} runs the same and
 * writes the table into the docs. Tagged {@code matrix} as well: {@code ./run-tests
 * -DexcludedGroups=matrix} leaves its ~5 minutes out when CI's budget needs them.
 */
@NeedsQemu
@Tag("matrix")
class CompatibilityMatrixTest {
    @TempDir
    Path work;

    static Stream<Arguments> rows() {
        return MatrixKernel.all().stream().map(k -> Arguments.of(k.name(), k));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyPathOfTheRowPassesOrDoesNotExist(String name, MatrixKernel k) {
        assumeTrue(k.available(), k.source() + " not here: run scripts/kernels.sh");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        List<CompatibilityMatrix.Row> rows = new CompatibilityMatrix(new PrintStream(log, true, StandardCharsets.UTF_8),
                o -> { }, work).run(List.of(k), List.of(Column.values()));
        for (Column c : Column.values()) {
            Cell cell = rows.getFirst().cells().get(c);
            assertThat(cell.status()).as(c.label() + ": " + cell.detail() + "\n" + log.toString(StandardCharsets.UTF_8))
                    .isIn(Status.PASS, Status.NA);
            assertThat(cell.status() == Status.NA).as(c.label()).isEqualTo(CompatibilityMatrix.notApplicable(k, c) != null);
        }
    }

    @Test
    void theReportHasOneRowPerKernelAndNotesForWhatDidNotRun() {
        MatrixKernel linux = MatrixKernel.all().getFirst();
        MatrixKernel xen = MatrixKernel.all().get(5);
        CompatibilityMatrix.Row a = new CompatibilityMatrix.Row(linux, Map.of(Column.BOOT_64, new Cell(Status.PASS, 4.24, "ok"),
                Column.CRASH, new Cell(Status.FAIL, 1, "kernel: no room")));
        CompatibilityMatrix.Row b = new CompatibilityMatrix.Row(xen, Map.of(Column.BOOT_64, new Cell(Status.NA, 0, "multiboot"),
                Column.CRASH, new Cell(Status.NO_DATA, 0, "fetched:xen-4.17 not here")));
        String md = MatrixReport.markdown(List.of(a, b), List.of(Column.BOOT_64, Column.CRASH), "facts");
        assertThat(md).contains("| kernel | boot 64 | crash |", "| " + linux.name() + " | PASS 4.2 s | **FAIL** [1] |",
                "| " + xen.name() + " | n/a [2] | no data [3] |", "[1] kernel: no room", "[3] fetched:xen-4.17 not here");
        assertThat(MatrixReport.allPassed(List.of(a, b))).isFalse();
        String doc = "# x\n\n" + MatrixReport.BEGIN + "\nold\n" + MatrixReport.END + "\n\nafter\n";
        assertThat(MatrixReport.splice(doc, md)).startsWith("# x\n\n" + MatrixReport.BEGIN + "\nfacts")
                .endsWith(MatrixReport.END + "\n\nafter\n").doesNotContain("old");
    }
}
