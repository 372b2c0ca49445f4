package dev.jkexec.qemu.qmp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.qemu.common.Subscription;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The event side of a {@link QmpClient}: a bounded history that waiters search, and listeners
 * called in order on one dedicated thread ({@code jkexec-qmp-events}), so a listener may itself
 * run QMP commands without blocking the reader. A listener that throws is logged and kept.
 */
final class QmpEvents {
    private static final System.Logger LOG = System.getLogger(QmpEvents.class.getName());

    private final int capacity;
    private final ArrayDeque<QmpEvent> history = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Consumer<QmpEvent>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("jkexec-qmp-events").factory());
    private long next;
    private boolean failed;

    QmpEvents(int capacity) {
        this.capacity = capacity;
    }

    /** Parses and records an event message; called by the reader thread only. */
    void record(ObjectNode message) {
        QmpEvent event;
        lock.lock();
        try {
            event = QmpEvent.parse(next, message);
            next++;
            if (history.size() == capacity) {
                history.removeFirst();
            }
            history.addLast(event);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Consumer<QmpEvent> l : listeners) {
            dispatcher.execute(() -> {
                try {
                    l.accept(event);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "QMP event listener failed on " + event.name(), e);
                }
            });
        }
    }

    Subscription addListener(Consumer<QmpEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    long mark() {
        lock.lock();
        try {
            return next;
        } finally {
            lock.unlock();
        }
    }

    List<QmpEvent> snapshot() {
        lock.lock();
        try {
            return List.copyOf(history);
        } finally {
            lock.unlock();
        }
    }

    QmpEvent await(Predicate<? super QmpEvent> filter, Duration timeout, long fromIndex,
            Supplier<Optional<MachineException>> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            long from = fromIndex;
            while (true) {
                for (QmpEvent e : history) {
                    if (e.index() >= from && filter.test(e)) {
                        return e;
                    }
                }
                from = next;
                if (failed) {
                    throw failure.get().orElseGet(() -> new MachineException("QMP connection closed"));
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    QmpEvent last = history.peekLast();
                    throw new QmpTimeoutException("no matching QMP event within " + timeout.toMillis() + " ms (last event: "
                            + (last == null ? "none" : last.name() + " #" + last.index()) + ")");
                }
                changed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MachineException("interrupted while waiting for a QMP event", e);
        } finally {
            lock.unlock();
        }
    }

    /** The connection is gone: wake every waiter. Events already recorded stay searchable. */
    void fail() {
        lock.lock();
        try {
            failed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the listener thread after the events already queued. */
    void close() {
        dispatcher.shutdown();
        try {
            dispatcher.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException _) {
            Thread.currentThread().interrupt();
        }
    }
}
