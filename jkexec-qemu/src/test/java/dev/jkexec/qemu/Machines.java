package dev.jkexec.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Shared set-up of machine tests (they need {@code qemu-system-x86_64}). */
public final class Machines {
    /** RAM of the smallest jkexec machine: 64 MiB guest, no crash region, 2 MiB hidden, 2 MiB staging (QEMU -m 68M). */
    public static final long SMALL_RAM = 68L << 20;
    public static final Duration WAIT = Duration.ofSeconds(20);

    private Machines() {}

    /** The smallest machine, one vCPU, running {@code rom}. */
    public static QemuConfig config(byte[] rom) {
        return config(rom, h -> { });
    }

    /** The smallest machine, one vCPU, running {@code rom}, with {@code settings}. */
    public static QemuConfig config(byte[] rom, Consumer<QemuConfig.Builder> settings) {
        QemuConfig.Builder b = QemuConfig.builder();
        settings.accept(b);
        return b.build(SMALL_RAM, 1, rom);
    }

    /** QEMU processes below this JVM (children of the launcher, or of child JVMs). */
    public static List<ProcessHandle> qemuDescendants() {
        return ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.contains("qemu-system")).orElse(false))
                .toList();
    }

    /**
     * Fails a test that leaves a QEMU behind (after giving an exiting one a moment), and kills the
     * leftovers so later tests start clean.
     */
    public static final class NoQemuLeft implements AfterEachCallback {
        @Override
        public void afterEach(ExtensionContext context) {
            try {
                Await.until("QEMU children of this JVM to exit", Duration.ofSeconds(10), () -> qemuDescendants().isEmpty());
            } finally {
                List<ProcessHandle> left = qemuDescendants();
                left.forEach(ProcessHandle::destroyForcibly);
                assertThat(left).as("QEMU processes left behind").isEmpty();
            }
        }
    }
}
