package dev.jkexec.machine.firmware;

import dev.jkexec.platform.JkexecException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Deliberate breaks of the handover contract, for proving that the contract checker catches each
 * one by the rule named for it ({@code jkexec verify --break NAME} and the checker's machine
 * tests). A machine has a set of them, normally empty; never used otherwise.
 */
public enum Fault {
    /** Enter with RFLAGS.IF set. */
    INTERRUPTS_ON("interrupts-on", "interrupts.off", "enter with interrupts enabled"),
    /** Enter through CS = 0x08 instead of 0x10. */
    WRONG_SELECTOR("wrong-selector", "cs.selector", "enter through code selector 0x08, not 0x10"),
    /** Enter a 32-bit image without leaving long mode. */
    PAGING_ON_32("paging-on-32", "mode.protected32", "enter a 32-bit image with paging still on"),
    /**
     * Leave the image's zero page ({@code HandoverPlan.zeroPage()}: the first page of the segment the
     * toolstack typed {@code SegmentRole.ZERO_PAGE}) out of the entry page tables. An image loaded
     * through the raw ABI or the hypercall has no typed zero page: nothing is left out.
     */
    ZERO_PAGE_UNMAPPED("zero-page-unmapped", "identity.ranges",
            "leave the zero page out of the page tables (toolstack Linux images only: a raw-ABI image has no typed zero page)");

    private final String cliName;
    private final String rule;
    private final String description;

    Fault(String cliName, String rule, String description) {
        this.cliName = cliName;
        this.rule = rule;
        this.description = description;
    }

    /** The name on the command line ({@code --break interrupts-on}). */
    public String cliName() {
        return cliName;
    }

    /** The contract rule that fails when the handover is broken this way. */
    public String rule() {
        return rule;
    }

    /** What the break does, for people. */
    public String description() {
        return description;
    }

    /** Every fault's command-line name, in declaration order. */
    public static List<String> names() {
        return Arrays.stream(values()).map(Fault::cliName).toList();
    }

    /** The fault called {@code name} (one of {@link #names()}), as {@code --break} takes it. */
    public static Fault named(String name) {
        for (Fault f : values()) {
            if (f.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new JkexecException("--break: '" + name + "' is none of " + String.join(", ", names()));
    }
}
