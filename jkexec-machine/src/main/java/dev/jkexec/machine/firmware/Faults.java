package dev.jkexec.machine.firmware;

import dev.jkexec.platform.JkexecException;
import java.util.Locale;

/**
 * Deliberate breaks of the handover contract, for proving that the contract checker catches each
 * one by the rule's name ({@code jkexec verify --break NAME} and the checker's machine tests).
 * Never used otherwise.
 *
 * @param interruptsOn      enter with RFLAGS.IF set (rule {@code interrupts.off})
 * @param wrongCodeSelector enter with CS = 0x08 instead of 0x10 (rules {@code cs.selector}, {@code cs.descriptor})
 * @param pagingOnFor32     enter a 32-bit image without leaving long mode (rule {@code mode.protected32})
 * @param unmapZeroPage     enter with the image's zero page (the first page of its {@code setup}
 *                          segment) missing from the page tables (rule {@code identity.ranges})
 */
public record Faults(boolean interruptsOn, boolean wrongCodeSelector, boolean pagingOnFor32, boolean unmapZeroPage) {
    public static final Faults NONE = new Faults(false, false, false, false);
    /** Names for the command line, in field order. */
    public static final String[] NAMES = {"interrupts-on", "wrong-selector", "paging-on-32", "zero-page-unmapped"};

    /** The fault called {@code name} (one of {@link #NAMES}). */
    public static Faults named(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "interrupts-on" -> new Faults(true, false, false, false);
            case "wrong-selector" -> new Faults(false, true, false, false);
            case "paging-on-32" -> new Faults(false, false, true, false);
            case "zero-page-unmapped" -> new Faults(false, false, false, true);
            default -> throw new JkexecException("--break: '" + name + "' is none of " + String.join(", ", NAMES));
        };
    }

    public boolean any() {
        return interruptsOn || wrongCodeSelector || pagingOnFor32 || unmapZeroPage;
    }
}
