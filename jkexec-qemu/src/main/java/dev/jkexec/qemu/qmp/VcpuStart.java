package dev.jkexec.qemu.qmp;

import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which QMP commands can start a machine's vCPUs. The client records, before it sends one, that the
 * vCPUs may have run ({@link QmpClient#vcpusMayHaveRun}); what depends on that — skipping the crash
 * region's refresh when no vCPU instruction ran before the region was written — must err towards
 * "may have run", so anything that might start them counts: {@code cont}, HMP's {@code cont}/{@code c},
 * and HMP's {@code gdbserver} (a debugger attached later can continue the machine without QMP).
 * A {@code RESUME} event (QEMU's vm_start, whoever asked) counts too, when it arrives.
 */
final class VcpuStart {
    private static final Set<String> HMP_STARTS = Set.of("c", "cont", "gdbserver");

    private VcpuStart() {
    }

    /** Whether {@code command} with {@code arguments} may start the vCPUs. */
    static boolean mayStart(String command, Map<String, ?> arguments) {
        if (command.equals("cont")) {
            return true;
        }
        if (command.equals("human-monitor-command")) {
            Object line = arguments.get("command-line");
            String first = line == null ? "" : line.toString().strip().split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
            return HMP_STARTS.contains(first);
        }
        return false;
    }
}
