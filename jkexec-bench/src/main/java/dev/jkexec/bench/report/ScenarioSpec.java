package dev.jkexec.bench.report;

import java.util.List;

/**
 * How the report presents one scenario: its title, what its times count from, the peer that every
 * jkexec system is compared with, and the headline metrics.
 */
public record ScenarioSpec(String id, String title, String origin, String peer, List<String> metrics) {
    public ScenarioSpec {
        metrics = List.copyOf(metrics);
    }

    /** The four end-to-end scenarios, in report order. */
    public static List<ScenarioSpec> all() {
        return List.of(
                new ScenarioSpec(Systems.BOOT, "Boot", "process start (QEMU, or the jkexec CLI's JVM) or Machine.start (in-process)",
                        Systems.QEMU_DIRECT, List.of(Systems.BANNER, Systems.INIT, Systems.KERNEL_INIT, Systems.PRINTK_INIT)),
                new ScenarioSpec(Systems.EXEC, "Reboot into a new kernel", "the request (the guest's marker before `kexec -e`; the host's call of Machine.exec)",
                        Systems.KEXEC_TOOLS, List.of(Systems.BANNER, Systems.INIT)),
                new ScenarioSpec(Systems.CRASH, "Crash", "the panic (the guest's `Kernel panic - not syncing` line reaching the host)",
                        Systems.KDUMP, List.of(Systems.BANNER, Systems.VMCORE, Systems.RESERVED)),
                new ScenarioSpec(Systems.LOAD, "Load", "the load request (in the guest: between its markers; jkexec: the call, or the CLI process start)",
                        Systems.KEXEC_L, List.of(Systems.LOAD_TIME)));
    }
}
