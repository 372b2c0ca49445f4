package dev.jkexec.machine;

import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.machine.crash.CoreDump;

/** How a crash ended: in the crash kernel, or — when that was impossible — in a host-side core. */
public sealed interface CrashOutcome {
    /** Why the crash happened ({@code "guest panicked"}, {@code "operator request"}, ...). */
    String reason();

    /** What was found of the crashed kernel: its VMCOREINFO and address space, or why not (one line). */
    String vmcoreinfo();

    /**
     * The crash image was intact and has been entered.
     *
     * @param core the host-side dump written first ({@code --on-panic both}), or {@code null}
     */
    record CrashKernel(String reason, HandoverPlan plan, int cpus, CoreDump.Written core, String vmcoreinfo) implements CrashOutcome {
    }

    /** The guest was written to a host-side dump (by choice, or because no crash kernel could run) and stays stopped. */
    record Dumped(String reason, String why, CoreDump.Written core, String vmcoreinfo) implements CrashOutcome {
    }

    /**
     * Nothing was written and the guest stays paused: {@code --on-panic pause}, or a dump that
     * failed (a full or unwritable directory). {@code jkexec dump FILE} writes it from there.
     */
    record Paused(String reason, String why, String vmcoreinfo) implements CrashOutcome {
    }
}
