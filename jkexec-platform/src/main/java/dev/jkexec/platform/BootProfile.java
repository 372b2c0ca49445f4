package dev.jkexec.platform;

import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the milliseconds of one boot go, phase by phase, from the moment the user's command
 * started: the {@code jkexec} launcher exports {@code JKEXEC_T0} (bash's {@code EPOCHREALTIME},
 * microseconds) when {@code JKEXEC_PROFILE=1}, and each phase calls {@link #mark} as it ends.
 * Without {@code JKEXEC_PROFILE} every call is one volatile read: nothing is recorded or printed.
 *
 * <p>{@link #report} prints one line per phase to standard error,
 * {@code jkexec-profile: <ms since start> <+ms since previous> <phase>}, which docs/boot-profile.md
 * reads. Thread-safe: phases may end on QEMU's start-up thread and on the caller's at once.
 */
public final class BootProfile {
    private static final boolean ENABLED = System.getenv("JKEXEC_PROFILE") != null;
    /** Microseconds since the epoch when the command started (the launcher's clock), or when this class loaded. */
    private static final long T0_MICROS = origin();
    private static final List<String> NAMES = new ArrayList<>();
    private static final List<Long> TIMES = new ArrayList<>();

    static {
        String t1 = ENABLED ? System.getenv("JKEXEC_T1") : null;
        if (t1 != null) {
            try {
                NAMES.add("launcher: env.sh, JDK found, build checked; exec java");
                TIMES.add(Math.round(Double.parseDouble(t1.replace(',', '.')) * 1e6));
            } catch (NumberFormatException e) {
                NAMES.clear();
            }
        }
    }

    private BootProfile() {
    }

    /** Whether profiling is on ({@code JKEXEC_PROFILE} is set). */
    public static boolean enabled() {
        return ENABLED;
    }

    /** Records that {@code phase} ended now. */
    public static void mark(String phase) {
        if (!ENABLED) {
            return;
        }
        long now = micros(Instant.now());
        synchronized (NAMES) {
            NAMES.add(phase);
            TIMES.add(now);
        }
    }

    /** Prints the phases recorded so far, in time order, and forgets them. */
    public static void report(PrintStream out) {
        if (!ENABLED) {
            return;
        }
        List<long[]> order = new ArrayList<>();
        List<String> names;
        synchronized (NAMES) {
            names = List.copyOf(NAMES);
            for (int i = 0; i < TIMES.size(); i++) {
                order.add(new long[] {TIMES.get(i), i});
            }
            NAMES.clear();
            TIMES.clear();
        }
        order.sort((a, b) -> Long.compare(a[0], b[0]));
        long previous = T0_MICROS;
        StringBuilder sb = new StringBuilder();
        for (long[] e : order) {
            sb.append(String.format(java.util.Locale.ROOT, "jkexec-profile: %8.1f ms  +%7.1f  %s%n",
                    (e[0] - T0_MICROS) / 1000.0, (e[0] - previous) / 1000.0, names.get((int) e[1])));
            previous = e[0];
        }
        out.print(sb);
        out.flush();
    }

    private static long origin() {
        String t0 = System.getenv("JKEXEC_T0");
        if (t0 != null && ENABLED) {
            try {
                return Math.round(Double.parseDouble(t0.replace(',', '.')) * 1e6);
            } catch (NumberFormatException e) {
                // fall through: this class's own start is the origin
            }
        }
        return micros(Instant.now());
    }

    private static long micros(Instant t) {
        return t.getEpochSecond() * 1_000_000 + t.getNano() / 1000;
    }
}
