package dev.jkexec.qemu;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Waiting in tests: for a condition, with a deadline, never for a fixed time. */
public final class Await {
    private Await() {}

    /** Polls {@code condition} until it holds; fails naming {@code what} after {@code timeout}. */
    public static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /**
     * Whether process {@code pid} has ended: no such process, or a zombie nobody has reaped yet
     * (an orphan whose new parent does not reap is dead all the same).
     */
    public static boolean processGone(long pid) {
        if (ProcessHandle.of(pid).isEmpty()) {
            return true;
        }
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Format: pid (comm) state ...; comm may contain spaces and parentheses.
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (IOException e) {
            return true;
        }
    }
}
