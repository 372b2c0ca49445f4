package dev.jkexec.machine.hypercall;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.x86.Paging;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dom0 shim's {@code channel.h} repeats the channel's constants in C (the shim is built by gcc
 * and cannot read Java). This test holds each {@code #define} to its one Java home, so the two
 * sides cannot drift apart silently.
 */
@Pure
class ChannelHeaderTest {

    private static final Path HEADER = Path.of("..", "jkexec-dom0", "src", "channel.h");
    private static final Pattern DEFINE = Pattern.compile("(?m)^#define\\s+(JK_\\w+)\\s+(\\S+)");

    private static Map<String, String> defines() throws IOException {
        Map<String, String> values = new HashMap<>();
        Matcher m = DEFINE.matcher(Files.readString(HEADER));
        while (m.find()) {
            values.put(m.group(1), m.group(2));
        }
        return values;
    }

    private static long number(String literal) {
        String digits = literal.replaceAll("[uUlL]+$", "");
        return digits.startsWith("0x") ? Long.parseUnsignedLong(digits.substring(2), 16) : Long.parseLong(digits);
    }

    @Test
    void everyConstantMatchesItsJavaHome() throws IOException {
        Map<String, String> d = defines();
        assertThat(number(d.get("JK_DESCRIPTOR"))).as("JK_DESCRIPTOR").isEqualTo(MachineLayout.HYPERCALL_DESCRIPTOR);
        assertThat(d.get("JK_DESCRIPTOR_MAGIC")).as("JK_DESCRIPTOR_MAGIC")
                .isEqualTo('"' + new String(HypercallWindow.DESCRIPTOR_MAGIC, StandardCharsets.US_ASCII) + '"');
        assertThat(number(d.get("JK_REQUEST_MAGIC"))).as("JK_REQUEST_MAGIC").isEqualTo(DoorbellFrame.REQUEST_MAGIC);
        assertThat(number(d.get("JK_RESPONSE_MAGIC"))).as("JK_RESPONSE_MAGIC").isEqualTo(DoorbellFrame.RESPONSE_MAGIC);
        assertThat(number(d.get("JK_VERSION"))).as("JK_VERSION").isEqualTo(DoorbellFrame.VERSION);
        assertThat(number(d.get("JK_FLAG_COMPAT"))).as("JK_FLAG_COMPAT").isEqualTo(DoorbellFrame.FLAG_COMPAT);
        assertThat(number(d.get("JK_REQUEST_SIZE"))).as("JK_REQUEST_SIZE").isEqualTo(DoorbellFrame.REQUEST_SIZE);
        assertThat(number(d.get("JK_RESPONSE_SIZE"))).as("JK_RESPONSE_SIZE").isEqualTo(DoorbellFrame.RESPONSE_SIZE);
        assertThat(number(d.get("JK_PAGE"))).as("JK_PAGE").isEqualTo(Paging.PAGE_SIZE);
    }
}
