package dev.jkexec.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.x86.Paging;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Shared set-up of machine tests (they need {@code qemu-system-x86_64}). */
public final class Machines {
    /** The smallest machine: 64 MiB guest, no crash region, 2 MiB staging, one vCPU (QEMU -m 68M: 64 + 2 hidden + 2 staging). */
    public static final MachineLayout SMALL = new MachineLayout(MachineLayout.MIN_GUEST_RAM, 0, Paging.LARGE_PAGE_SIZE, 1);
    public static final Duration WAIT = Duration.ofSeconds(20);

    private Machines() {}

    public static MachineConfig config(byte[] rom) {
        return MachineConfig.of(SMALL, rom);
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
