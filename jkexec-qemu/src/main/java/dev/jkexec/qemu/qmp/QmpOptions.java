package dev.jkexec.qemu.qmp;

import java.time.Duration;

/**
 * Limits of a {@link QmpClient}. Every wait is bounded and every message is bounded in size and
 * depth, because QMP replies are untrusted input.
 *
 * @param callTimeout      how long {@link QmpClient#execute} waits for a reply by default
 * @param greetingTimeout  how long the client waits for QEMU's greeting
 * @param maxLineBytes     longest accepted message (one JSON line)
 * @param maxDepth         deepest accepted JSON nesting
 * @param eventHistory     events kept for {@link QmpClient#awaitEvent}; older ones are dropped
 */
public record QmpOptions(Duration callTimeout, Duration greetingTimeout, int maxLineBytes, int maxDepth, int eventHistory) {
    public QmpOptions {
        if (callTimeout.isNegative() || callTimeout.isZero() || greetingTimeout.isNegative() || greetingTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
        if (maxLineBytes < 1024 || maxDepth < 4 || eventHistory < 1) {
            throw new IllegalArgumentException("limits too small: line " + maxLineBytes + ", depth " + maxDepth + ", history " + eventHistory);
        }
    }

    /** 10 s per call and for the greeting, 16 MiB lines, depth 64, 1024 events. */
    public static QmpOptions defaults() {
        return new QmpOptions(Duration.ofSeconds(10), Duration.ofSeconds(10), 16 << 20, 64, 1024);
    }

    public QmpOptions withCallTimeout(Duration t) {
        return new QmpOptions(t, greetingTimeout, maxLineBytes, maxDepth, eventHistory);
    }

    public QmpOptions withGreetingTimeout(Duration t) {
        return new QmpOptions(callTimeout, t, maxLineBytes, maxDepth, eventHistory);
    }

    public QmpOptions withMaxLineBytes(int n) {
        return new QmpOptions(callTimeout, greetingTimeout, n, maxDepth, eventHistory);
    }

    public QmpOptions withMaxDepth(int n) {
        return new QmpOptions(callTimeout, greetingTimeout, maxLineBytes, n, eventHistory);
    }

    public QmpOptions withEventHistory(int n) {
        return new QmpOptions(callTimeout, greetingTimeout, maxLineBytes, maxDepth, n);
    }
}
