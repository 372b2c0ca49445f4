package dev.jkexec.platform.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Test tier {@code pure}: needs nothing but the JDK and the build. No QEMU, no test data, no
 * network, no process outlives it; runs anywhere ({@code mvn test -Dgroups=pure}).
 *
 * <p>Every test class carries exactly one tier ({@link TierCheck} fails the run otherwise). The
 * annotation tags JUnit and jqwik tests alike.
 */
@Documented
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("pure")
@net.jqwik.api.Tag("pure")
public @interface Pure {
}
