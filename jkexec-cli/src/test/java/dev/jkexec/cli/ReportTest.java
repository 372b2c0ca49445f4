package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@Pure
class ReportTest {
    @Test
    void textAlignsKeysAndTables() {
        Map<String, Object> m = Report.map();
        m.put("a", Report.hex(0x10));
        m.put("longer", List.of("X", "Y"));
        Map<String, Object> row1 = Report.map();
        row1.put("n", 1);
        row1.put("name", "first");
        Map<String, Object> row2 = Report.map();
        row2.put("n", 22);
        row2.put("name", "second");
        m.put("rows", List.of(row1, row2));
        m.put("empty", List.of());
        assertThat(Report.text(m)).isEqualTo("""
                a       0x10
                longer  X Y
                rows
                  n   name
                  1   first
                  22  second
                empty   (none)
                """);
    }

    @Test
    void hexIsAnUnsignedJsonNumber() {
        assertThat(Report.json(Map.of("v", Report.hex(0xffffffff81000000L))).replaceAll("\\s", ""))
                .isEqualTo("{\"v\":18446744071578845184}");
        assertThat(Report.json(Map.of("v", Report.hex(16))).replaceAll("\\s", "")).isEqualTo("{\"v\":16}");
    }
}
