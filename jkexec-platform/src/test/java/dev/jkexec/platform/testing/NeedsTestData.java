package dev.jkexec.platform.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Test tier {@code testdata}: reads the guest binaries of the test data (Debian kernels, pvpanic
 * modules, busybox: {@link dev.jkexec.platform.GuestAssets}), but starts no QEMU.
 *
 * <p>Every test class carries exactly one tier ({@link TierCheck} fails the run otherwise). The
 * annotation tags JUnit and jqwik tests alike.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("testdata")
@net.jqwik.api.Tag("testdata")
public @interface NeedsTestData {
}
