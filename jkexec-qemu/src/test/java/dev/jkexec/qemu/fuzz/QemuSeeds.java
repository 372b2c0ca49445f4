package dev.jkexec.qemu.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the seed corpora of jkexec-qemu's fuzz targets: the QMP and gdbstub sessions recorded
 * from the real QEMU by {@code scripts/record-qemu-peers.py} (into {@code target/recorded/}, which
 * {@code jkexec-bench/fuzz.sh --seeds} runs first), the scripted QMP sessions of QmpClientTest,
 * and the register dumps of CpuStateParserTest. The output is committed.
 *
 * <pre>java -cp TEST_CLASSPATH dev.jkexec.qemu.fuzz.QemuSeeds MODULE_DIR</pre>
 */
public final class QemuSeeds {
    static final String GREETING = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}, \"package\": \"fake\"}, \"capabilities\": [\"oob\"]}}\n";
    static final String TS = "\"timestamp\": {\"seconds\": 1795256797, \"microseconds\": 164287}";

    private QemuSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path module = Path.of(args[0]);
        Path recorded = module.resolve("target/recorded");
        Path resources = module.resolve("src/test/resources/dev/jkexec/qemu");
        byte[] qmp = Files.readAllBytes(recorded.resolve("qmp-session"));

        Map<String, byte[]> sessions = new LinkedHashMap<>();
        sessions.put("seed-real-qemu-session-chunk256", prefixed(0xFF, qmp));
        sessions.put("seed-real-qemu-session-chunk8", prefixed(7, qmp));
        sessions.put("seed-scripted-events", prefixed(0x40, (GREETING
                + "{\"return\": {}, \"id\": 1}\n"
                + "{" + TS + ", \"event\": \"RESET\", \"data\": {\"guest\": false, \"reason\": \"host-qmp-system-reset\"}}\n"
                + "{" + TS + ", \"event\": \"STOP\"}\n"
                + "{\"return\": {}, \"id\": 6}\n"
                + "{" + TS + ", \"event\": \"SHUTDOWN\", \"data\": {\"guest\": true, \"reason\": \"guest-reset\"}}\n"
                + "{" + TS + ", \"event\": \"GUEST_PANICKED\", \"data\": {\"action\": \"pause\", \"info\": {\"type\": \"hyper-v\"}}}\n"
                + "{" + TS + ", \"event\": \"BLOCK_JOB_READY\", \"data\": {\"device\": \"x\"}}\n").getBytes(StandardCharsets.UTF_8)));
        sessions.put("seed-scripted-replies", prefixed(0x10, (GREETING
                + "{\"return\": {\"status\": \"prelaunch\", \"singlestep\": false, \"running\": false}, \"id\": 2}\n"
                + "{\"return\": \"\\r\\nCPU#0\\r\\n\", \"id\": 3}\n"
                + "{\"error\": {\"class\": \"CommandNotFound\", \"desc\": \"The command bogus has not been found\"}, \"id\": 4}\n"
                + "{\"error\": \"no\", \"id\": 5}\n"
                + "{\"return\": {\"status\": \"sleeping\", \"running\": false}, \"id\": 7}\n").getBytes(StandardCharsets.UTF_8)));
        write(resources.resolve("qmp/QmpFuzzTestInputs/qmp"), sessions);

        Map<String, byte[]> gdb = new LinkedHashMap<>();
        gdb.put("seed-real-qemu-gdbstub-session", Files.readAllBytes(recorded.resolve("gdb-session")));
        gdb.put("seed-stop-and-ok", "+$T05thread:01;#07+$OK#9a$S02#b5".getBytes(StandardCharsets.US_ASCII));
        write(resources.resolve("gdb/GdbFuzzTestInputs/gdbReplies"), gdb);

        Map<String, byte[]> dumps = new LinkedHashMap<>();
        dumps.put("seed-real-qemu-info-registers-smp2", Files.readAllBytes(recorded.resolve("hmp-info-registers")));
        for (String r : new String[] {"long64-smp2", "protected32-smp2", "real16-smp2"}) {
            try (InputStream in = QemuSeeds.class.getResourceAsStream("/dev/jkexec/qemu/cpu/" + r + ".txt")) {
                dumps.put("seed-" + r, in.readAllBytes());
            }
        }
        write(resources.resolve("cpu/CpuStateFuzzTestInputs/infoRegisters"), dumps);
    }

    static byte[] prefixed(int chunk, byte[] stream) {
        byte[] b = new byte[stream.length + 1];
        b[0] = (byte) chunk;
        System.arraycopy(stream, 0, b, 1, stream.length);
        return b;
    }

    static void write(Path dir, Map<String, byte[]> seeds) throws IOException {
        Files.createDirectories(dir);
        for (Map.Entry<String, byte[]> e : seeds.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        System.out.println(dir + ": " + seeds.size() + " seeds");
    }
}
