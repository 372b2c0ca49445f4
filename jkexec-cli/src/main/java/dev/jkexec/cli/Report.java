package dev.jkexec.cli;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One source for a command's output in two forms: an ordered tree (maps, lists, scalars) rendered
 * either as aligned text or as JSON. Scalars are strings, numbers, booleans and {@link Hex} values,
 * which print as {@code 0x..} and serialise as (unsigned) JSON numbers.
 *
 * <p>Text rules: in a map, scalar entries print as {@code key  value} with keys padded to the
 * widest key; a list of scalars prints on one line; a nested map prints under its key, indented;
 * a list of maps prints as a table with a header row.
 */
final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {
    }

    /** A number shown in hex; u64 values of 2^63 and above stay unsigned. */
    record Hex(long value) {
        @JsonValue
        Object json() {
            return value >= 0 ? (Object) value : new BigInteger(Long.toUnsignedString(value));
        }

        @Override
        public String toString() {
            return "0x" + Long.toHexString(value);
        }
    }

    /** A flags word: JSON {@code {"value": n, "names": [..]}}, text {@code 0x7f NAME NAME}. */
    record Flags(Hex value, List<String> names) {
        @Override
        public String toString() {
            return value + (names.isEmpty() ? "" : " " + String.join(" ", names));
        }
    }

    static Flags flags(long value, List<String> names) {
        return new Flags(hex(value), List.copyOf(names));
    }

    static Hex hex(long value) {
        return new Hex(value);
    }

    /** An ordered map, for building trees. */
    static Map<String, Object> map() {
        return new LinkedHashMap<>();
    }

    static String json(Object tree) {
        try {
            return JSON.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String text(Map<String, Object> tree) {
        StringBuilder b = new StringBuilder();
        render(b, tree, "");
        return b.toString();
    }

    private static boolean scalar(Object v) {
        return !(v instanceof Map<?, ?>) && !(v instanceof List<?> l && !l.isEmpty() && l.getFirst() instanceof Map<?, ?>);
    }

    private static void render(StringBuilder b, Map<?, ?> map, String indent) {
        int width = 0;
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (scalar(e.getValue())) {
                width = Math.max(width, e.getKey().toString().length());
            }
        }
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = e.getKey().toString();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> m) {
                b.append(indent).append(key).append('\n');
                render(b, m, indent + "  ");
            } else if (!scalar(v)) {
                b.append(indent).append(key).append('\n');
                table(b, (List<?>) v, indent + "  ");
            } else {
                b.append(indent).append(String.format("%-" + width + "s  ", key)).append(scalarText(v)).append('\n');
            }
        }
    }

    private static String scalarText(Object v) {
        if (v == null) {
            return "-";
        }
        if (v instanceof List<?> l) {
            if (l.isEmpty()) {
                return "(none)";
            }
            List<String> parts = new ArrayList<>();
            for (Object o : l) {
                parts.add(scalarText(o));
            }
            return String.join(" ", parts);
        }
        return v.toString();
    }

    private static void table(StringBuilder b, List<?> rows, String indent) {
        List<String> columns = new ArrayList<>();
        for (Object row : rows) {
            for (Object k : ((Map<?, ?>) row).keySet()) {
                if (!columns.contains(k.toString())) {
                    columns.add(k.toString());
                }
            }
        }
        int[] width = new int[columns.size()];
        List<String[]> cells = new ArrayList<>();
        cells.add(columns.toArray(String[]::new));
        for (Object row : rows) {
            String[] c = new String[columns.size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = scalarText(((Map<?, ?>) row).get(columns.get(i)));
            }
            cells.add(c);
        }
        for (String[] c : cells) {
            for (int i = 0; i < c.length; i++) {
                width[i] = Math.max(width[i], c[i].length());
            }
        }
        for (String[] c : cells) {
            StringBuilder line = new StringBuilder(indent);
            for (int i = 0; i < c.length; i++) {
                line.append(i == c.length - 1 ? c[i] : String.format("%-" + width[i] + "s  ", c[i]));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
    }
}
