package dev.jkexec.platform.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Test tier {@code qemu}: starts {@code qemu-system-x86_64}, usually to boot a kernel of the test
 * data under TCG. The machine tests.
 *
 * <p>Every test class carries exactly one tier ({@link TierCheck} fails the run otherwise). The
 * annotation tags JUnit and jqwik tests alike.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("qemu")
@net.jqwik.api.Tag("qemu")
public @interface NeedsQemu {
}
