package dev.jkexec.qemu.qmp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON for QMP: one strict parser with the size and depth limits of {@link QmpOptions}, duplicate
 * keys and trailing content rejected, and every failure turned into a {@link QmpProtocolException}
 * that quotes the start of the offending line.
 */
final class QmpJson {
    private static final int QUOTE = 120;

    private final ObjectMapper mapper;

    QmpJson(QmpOptions options) {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(options.maxDepth())
                        .maxStringLength(options.maxLineBytes())
                        .maxNumberLength(64)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        mapper = new ObjectMapper(factory).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    ObjectMapper mapper() {
        return mapper;
    }

    ObjectNode newObject() {
        return mapper.createObjectNode();
    }

    /** Parses one QMP message, which must be a JSON object. */
    ObjectNode parse(byte[] line) {
        JsonNode node;
        try {
            node = mapper.readTree(line);
        } catch (JsonProcessingException e) {
            throw new QmpProtocolException("malformed JSON (" + firstLine(e.getOriginalMessage()) + "): " + quote(line), e);
        } catch (IOException e) {
            throw new QmpProtocolException("unreadable JSON: " + quote(line), e);
        }
        if (node instanceof ObjectNode object) {
            return object;
        }
        throw new QmpProtocolException("message is not a JSON object: " + quote(line));
    }

    byte[] write(JsonNode node) {
        try {
            return mapper.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + node, e);
        }
    }

    /** The start of a line, for error messages: at most 120 characters, control characters escaped. */
    static String quote(byte[] line) {
        String s = new String(line, 0, Math.min(line.length, QUOTE * 4), StandardCharsets.UTF_8);
        return quote(s);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("'");
        s.codePoints().limit(QUOTE).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        b.append(s.codePointCount(0, s.length()) > QUOTE ? "'..." : "'");
        return b.toString();
    }

    /**
     * Text from QEMU made fit for a one-line message: control characters escaped as {@code \xNN},
     * at most 1000 characters.
     */
    static String oneLine(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(1000).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 1000 ? b.append("...").toString() : b.toString();
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "no detail";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
