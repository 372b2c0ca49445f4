package dev.jkexec.bench.timeline;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Reads a process's output line by line on its own thread and stamps each line with the host
 * time since {@code originNanos} as it arrives — what {@code run-one.sh} does with
 * {@code $EPOCHREALTIME}. Callers wait for lines with a timeout; the stream's end wakes them.
 *
 * <p>Lines are decoded as ISO-8859-1 (any byte is a character: a guest's escape sequences never
 * break decoding) with carriage returns removed.
 */
public final class StampedLines {
    private final long originNanos;
    private final List<Stamp> lines = new ArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread reader;
    private boolean ended;

    private StampedLines(InputStream in, long originNanos, String name) {
        this.originNanos = originNanos;
        this.reader = Thread.ofPlatform().daemon().name(name).unstarted(() -> read(in));
    }

    /** Starts reading {@code in}; times are seconds since {@code originNanos} ({@link System#nanoTime()}). */
    public static StampedLines start(InputStream in, long originNanos, String name) {
        StampedLines s = new StampedLines(in, originNanos, name);
        s.reader.start();
        return s;
    }

    private void read(InputStream in) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.ISO_8859_1))) {
            String line;
            while ((line = r.readLine()) != null) {
                double t = (System.nanoTime() - originNanos) / 1e9;
                add(new Stamp(t, line.replace("\r", "")));
            }
        } catch (IOException e) {
            // The process went away: what was read is what there is.
        } finally {
            lock.lock();
            try {
                ended = true;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void add(Stamp s) {
        lock.lock();
        try {
            lines.add(s);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** How many lines have arrived: pass it to {@link #await} to wait only for later lines. */
    public int mark() {
        lock.lock();
        try {
            return lines.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits for the first line with index {@code >= from} in which {@code pattern} is found; empty
     * when the timeout passes or the output ends first.
     */
    public Optional<Stamp> await(Pattern pattern, Duration timeout, int from) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            int i = from;
            while (true) {
                for (; i < lines.size(); i++) {
                    if (pattern.matcher(lines.get(i).text()).find()) {
                        return Optional.of(lines.get(i));
                    }
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    return Optional.empty();
                }
                changed.awaitNanos(left);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code timeout} for the output to end (the process closed it). */
    public boolean awaitEnd(Duration timeout) {
        try {
            reader.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !reader.isAlive();
    }

    /** The lines so far. */
    public Timeline timeline() {
        lock.lock();
        try {
            return new Timeline(lines);
        } finally {
            lock.unlock();
        }
    }
}
