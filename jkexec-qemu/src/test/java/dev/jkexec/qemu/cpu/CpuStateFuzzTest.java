package dev.jkexec.qemu.cpu;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: QEMU's {@code info registers -a} text, the QMP reply jkexec turns into crash notes
 * and checks the handover contract against ({@link CpuStateParser#parse}). Beyond "only
 * {@link CpuStateFormatException}": each CPU appears once. Seeds: the dump recorded from the real
 * QEMU 7.2 ({@code scripts/record-qemu-peers.py}) and the 64/32/16-bit dumps of CpuStateParserTest.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class CpuStateFuzzTest {
    static final int MAX_INPUT = 64 << 10;

    @FuzzTest
    void infoRegisters(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, CpuStateFormatException.class, bytes -> {
            List<CpuState> cpus = CpuStateParser.parse(new String(bytes, StandardCharsets.UTF_8));
            Set<Integer> seen = new HashSet<>();
            for (CpuState c : cpus) {
                check(seen.add(c.cpu()), "CPU#" + c.cpu() + " twice");
                check(c.registerWidth() == 64 || c.registerWidth() == 32, "register width " + c.registerWidth());
            }
        });
    }
}
