package dev.jkexec.machine;

import dev.jkexec.core.kexec.HandoverPlan;

/** How Xen's {@code KEXEC_CMD_kexec} of a slot ended ({@link Machine#exec(dev.jkexec.image.ImageType)}). */
public sealed interface ExecOutcome {
    /** The default image was entered. */
    record HandedOver(HandoverPlan plan) implements ExecOutcome {
    }

    /** The crash image's exec ran the crash path. */
    record Crashed(CrashOutcome outcome) implements ExecOutcome {
    }
}
