package dev.jkexec.bench.report;

import java.util.List;
import java.util.Map;

/**
 * How the report presents one scenario: its title, what its times count from, its peers, which
 * peer each jkexec system is compared with (like with like: the same kernel form on both sides,
 * and each jkexec form against the peer's best form), and the headline metrics.
 *
 * @param peer   the scenario's reference peer, for a jkexec system without a pairing
 * @param peers  every system of the scenario that is not jkexec
 * @param pairs  jkexec system → the peers it is compared with, first = the one its table ratio uses
 */
public record ScenarioSpec(String id, String title, String origin, String peer, List<String> peers,
                           Map<String, List<String>> pairs, List<String> metrics) {
    public ScenarioSpec {
        peers = List.copyOf(peers);
        pairs = Map.copyOf(pairs);
        metrics = List.copyOf(metrics);
    }

    /** The peers {@code system} is compared with. */
    public List<String> peersOf(String system) {
        return pairs.getOrDefault(system, List.of(peer));
    }

    public boolean isPeer(String system) {
        return peers.contains(system);
    }

    /** The end-to-end scenarios, in report order. */
    public static List<ScenarioSpec> all() {
        List<String> pvh = List.of(Systems.QEMU_PVH_PC, Systems.QEMU_PVH_MICROVM);
        List<String> bootPeers = List.of(Systems.QEMU_PVH_PC, Systems.QEMU_PVH_MICROVM, Systems.QEMU_DIRECT);
        List<String> bz = List.of(Systems.QEMU_DIRECT);
        List<String> execElf = List.of(Systems.KEXEC_TOOLS_ELF_I, Systems.KEXEC_TOOLS_ELF);
        return List.of(
                new ScenarioSpec(Systems.BOOT, "Boot", "process start (QEMU, or the jkexec CLI's launcher) or the call of Machine.boot (in-process: start and first boot)",
                        Systems.QEMU_PVH_PC, bootPeers,
                        Map.of(Systems.JK_CLI_VMLINUX, pvh, Systems.JK_VMLINUX, pvh, Systems.JK_CLI_BZ, bz, Systems.JK_CLI_BZ_GUEST, bz,
                                Systems.JK_BZ, bz, Systems.JK_DECOMPRESSED, bz),
                        List.of(Systems.BANNER, Systems.INIT, Systems.KERNEL_INIT, Systems.PRINTK_INIT, Systems.HUNG)),
                new ScenarioSpec(Systems.EXEC, "Reboot into a new kernel", "the request (the guest's marker before `kexec -e`; the host's call of Machine.exec)",
                        Systems.KEXEC_TOOLS_ELF_I, List.of(Systems.KEXEC_TOOLS_ELF_I, Systems.KEXEC_TOOLS_ELF, Systems.KEXEC_TOOLS),
                        Map.of(Systems.JK_EXEC_VMLINUX, execElf, Systems.JK_EXEC_DECOMPRESSED, execElf,
                                Systems.JK_EXEC_BZ, List.of(Systems.KEXEC_TOOLS)),
                        List.of(Systems.BANNER, Systems.INIT)),
                new ScenarioSpec(Systems.CRASH, "Crash", "the panic (the guest's `Kernel panic - not syncing` line reaching the host)",
                        Systems.KDUMP_ELF_I, List.of(Systems.KDUMP_ELF_I, Systems.KDUMP),
                        Map.of(Systems.JK_CRASH_DECOMPRESSED, List.of(Systems.KDUMP_ELF_I), Systems.JK_CRASH, List.of(Systems.KDUMP)),
                        List.of(Systems.BANNER, Systems.VMCORE, Systems.RESERVED)),
                new ScenarioSpec(Systems.LOAD, "Load", "the load request (in the guest: between its markers; jkexec: the call, or the CLI process start)",
                        Systems.KEXEC_L, List.of(Systems.KEXEC_L), Map.of(), List.of(Systems.LOAD_TIME)),
                new ScenarioSpec(Systems.DUMP, "Host-side dump of a panicked 1 GiB guest",
                        "the dump request (jkexec's Machine.dump; QEMU's `dump-guest-memory` over the same machine's QMP)",
                        Systems.QEMU_DUMP_ELF, List.of(Systems.QEMU_DUMP_ELF, Systems.QEMU_DUMP_KDUMP),
                        Map.of(Systems.JK_DUMP_ELF, List.of(Systems.QEMU_DUMP_ELF),
                                Systems.JK_DUMP_KDUMP_1, List.of(Systems.QEMU_DUMP_KDUMP),
                                Systems.JK_DUMP_KDUMP_31, List.of(Systems.QEMU_DUMP_KDUMP)),
                        List.of(Systems.DUMP_TIME, Systems.DUMP_SIZE, Systems.DUMP_DISK)));
    }
}
