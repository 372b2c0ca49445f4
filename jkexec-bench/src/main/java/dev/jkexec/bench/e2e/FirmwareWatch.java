package dev.jkexec.bench.e2e;

import dev.jkexec.machine.Machine;
import dev.jkexec.machine.firmware.HandoverBlock;
import java.util.OptionalLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Timestamps the firmware's progress through one handover by polling the handover block in shared
 * RAM every 100 µs: the run counter (the firmware increments it at every reset) tells the next
 * handover from the last one's status, then the first times the status word reaches "page list
 * walked" and "entering the image". A step the poll does not catch in between (the walk of a small
 * image can be shorter than one poll) gets the time of the next step seen.
 */
final class FirmwareWatch implements AutoCloseable {
    private final Machine machine;
    private final long runsBefore;
    private final Thread thread;
    private volatile boolean stop;
    private volatile long walkedNanos;
    private volatile long enteringNanos;

    private FirmwareWatch(Machine machine, long runsBefore) {
        this.machine = machine;
        this.runsBefore = runsBefore;
        this.thread = Thread.ofPlatform().daemon().name("bench-firmware-watch").unstarted(this::poll);
    }

    /** Starts watching for the next handover; call before the call that causes it. */
    static FirmwareWatch arm(Machine m) {
        return armAfter(m, HandoverBlock.runs(m.memory(), m.layout()));
    }

    /** Watches the first handover after the firmware's run counter exceeds {@code runs} (to arm early, before a boot). */
    static FirmwareWatch armAfter(Machine m, long runs) {
        FirmwareWatch w = new FirmwareWatch(m, runs);
        w.thread.start();
        return w;
    }

    private void poll() {
        while (!stop) {
            long runs = HandoverBlock.runs(machine.memory(), machine.layout());
            if (runs > runsBefore) {
                long status = HandoverBlock.status(machine.memory(), machine.layout());
                long now = System.nanoTime();
                if (status >= HandoverBlock.Status.RELOCATED && walkedNanos == 0) {
                    walkedNanos = now;
                }
                if (status >= HandoverBlock.Status.ENTERING_64) {
                    enteringNanos = now;
                    return;
                }
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** {@link System#nanoTime()} when the page list was seen walked. */
    OptionalLong walked() {
        return walkedNanos == 0 ? OptionalLong.empty() : OptionalLong.of(walkedNanos);
    }

    /** {@link System#nanoTime()} when the firmware was seen entering the image. */
    OptionalLong entering() {
        return enteringNanos == 0 ? OptionalLong.empty() : OptionalLong.of(enteringNanos);
    }

    @Override
    public void close() {
        stop = true;
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
