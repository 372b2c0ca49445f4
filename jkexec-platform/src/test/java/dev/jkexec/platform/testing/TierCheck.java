package dev.jkexec.platform.testing;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.TestTag;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;

/**
 * Fails a test run in which a test has no tier, or more than one: each test class must be
 * annotated with exactly one of {@link Pure}, {@link NeedsTestData} or {@link NeedsQemu}, so that
 * {@code -Dgroups=pure} really runs everything that can run anywhere, and nothing else.
 *
 * <p>Registered with the JUnit Platform through {@code META-INF/services} in this test-jar, which
 * every module's tests have on their class path. It excludes nothing.
 */
public final class TierCheck implements PostDiscoveryFilter {
    /** The tier tags, as the annotations write them. */
    public static final List<String> TIERS = List.of("pure", "testdata", "qemu");

    @Override
    public FilterResult apply(TestDescriptor test) {
        TestSource source = test.getSource().orElse(null);
        if (!(source instanceof MethodSource)) {
            return FilterResult.included("not a test method"); // an engine or a class without tests (TestRoms)
        }
        Set<String> tiers = test.getTags().stream().map(TestTag::getName).filter(TIERS::contains)
                .collect(Collectors.toCollection(TreeSet::new));
        if (tiers.size() != 1) {
            throw new IllegalStateException(where(test) + " has " + (tiers.isEmpty() ? "no test tier" : "tiers " + tiers)
                    + ": annotate its class with exactly one of @Pure, @NeedsTestData, @NeedsQemu"
                    + " (dev.jkexec.platform.testing)");
        }
        return FilterResult.included("tier " + tiers.iterator().next());
    }

    private static String where(TestDescriptor test) {
        MethodSource m = (MethodSource) test.getSource().orElseThrow();
        return m.getClassName() + "." + m.getMethodName();
    }
}
