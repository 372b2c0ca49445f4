package dev.jkexec.image.plan;

import dev.jkexec.image.KexecImage;

/**
 * A planned image: its layout (for people and checks) and the {@link KexecImage} for the core.
 */
public record ImagePlan(ImageLayout layout, KexecImage image) {
    /** The plan as {@code kexec -l -d} would print it. */
    public String describe() {
        return layout.describe(image.segments());
    }
}
