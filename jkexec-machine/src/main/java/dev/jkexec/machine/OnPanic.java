package dev.jkexec.machine;

import dev.jkexec.platform.JkexecException;

/**
 * What a guest panic does ({@code --on-panic}).
 * <ul>
 *   <li>{@link #CRASH_KERNEL}: enter the loaded crash kernel; with none, or a damaged one, write a host-side dump;</li>
 *   <li>{@link #DUMP}: write a host-side dump; the guest stays paused;</li>
 *   <li>{@link #BOTH}: write the host-side dump, then enter the crash kernel;</li>
 *   <li>{@link #PAUSE}: only pause the guest, for {@code jkexec dump} and {@code ctl}.</li>
 * </ul>
 */
public enum OnPanic {
    CRASH_KERNEL("crash-kernel"),
    DUMP("dump"),
    BOTH("both"),
    PAUSE("pause");

    private final String label;

    OnPanic(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    public static OnPanic parse(String s) {
        for (OnPanic p : values()) {
            if (p.label.equals(s)) {
                return p;
            }
        }
        throw new JkexecException("--on-panic: '" + s + "' is not crash-kernel, dump, both or pause");
    }
}
