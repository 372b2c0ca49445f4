package dev.jkexec.machine;

import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.machine.crash.CoreDump;

/** How a crash ended: in the crash kernel, or — when that was impossible — in a host-side core. */
public sealed interface CrashOutcome {
    /** Why the crash happened ({@code "guest panicked"}, {@code "operator request"}, ...). */
    String reason();

    /** The crash image was intact and has been entered. */
    record CrashKernel(String reason, HandoverPlan plan, int cpus) implements CrashOutcome {
    }

    /** No crash kernel could run; the guest was written to a core file instead and stays stopped. */
    record Dumped(String reason, String why, CoreDump.Written core) implements CrashOutcome {
    }
}
