package dev.jkexec.machine;

import dev.jkexec.core.kexec.HandoverPlan;

/** What happened to a {@link Machine}, for the command line and scenarios to report. */
public sealed interface MachineEvent {
    /** The firmware was handed an image (boot, exec or crash) and the machine restarted into it. */
    record HandedOver(HandoverPlan plan) implements MachineEvent {
    }

    /** The guest reset itself (reboot or triple fault); the firmware halts, nothing runs. */
    record GuestReset(String reason) implements MachineEvent {
    }

    /** The guest panicked: {@code how} is "pvpanic" or "console" (its {@code Kernel panic -} line). */
    record GuestPanicked(String how) implements MachineEvent {
        public GuestPanicked() {
            this("pvpanic");
        }
    }

    /** Something a user should know about what was just loaded (a guest without pvpanic, say). */
    record Notice(String text) implements MachineEvent {
    }

    /** A crash was handled. */
    record Crashed(CrashOutcome outcome) implements MachineEvent {
    }

    /** Handling a crash failed. */
    record CrashFailed(Exception error) implements MachineEvent {
    }

    /** The hypercall channel has something for the operator: an unserved hypercall (named once), garbage on the doorbell. */
    record HypercallNote(String message) implements MachineEvent {
    }

    /** QEMU went away. */
    record Exited(String how) implements MachineEvent {
    }
}
