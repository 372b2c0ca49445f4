package dev.jkexec.machine.hypercall;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;

/**
 * The doorbell, jkexec's side: the guest's second serial port (COM2, its {@code ttyS1}) is a QEMU
 * socket chardev ({@code QemuConfig.doorbell}, connected by {@code QemuMachine.start}) that this
 * channel serves. Each request frame ({@link DoorbellFrame}) is one synchronous hypercall: the
 * guest's caller blocks on the port until the answer comes back.
 *
 * <p>One thread, {@code jkexec-hypercall}, reads the socket and serves calls one at a time, in
 * order, with {@link Dom0Hypercalls} over the {@link HypercallWindow}. It holds no lock between
 * calls, so the operator's own control of the machine is never blocked by a guest: each call
 * takes the machine's lock only for its own operation, and a guest can only queue more calls
 * behind its own.
 *
 * <p>Hostile bytes: the framing is {@link DoorbellReader}'s (resynchronising on the next magic, one
 * frame of buffer); skipped bytes are counted and the operator is told once per burst. A frame of
 * an unknown version gets -EINVAL, so its caller is not left waiting. After a handover (exec or crash through
 * the hypercall) nothing is answered, and bytes already queued by the old guest are dropped.
 */
public final class HypercallChannel implements AutoCloseable {
    private final SocketChannel socket;
    private final HypercallWindow window;
    private final Dom0Hypercalls calls;
    private final Consumer<String> operator;
    private final Thread thread;
    private volatile boolean closed;
    private long served;

    private HypercallChannel(SocketChannel socket, HypercallWindow window, Dom0Hypercalls calls, Consumer<String> operator) {
        this.socket = socket;
        this.window = window;
        this.calls = calls;
        this.operator = operator;
        this.thread = Thread.ofPlatform().daemon().name("jkexec-hypercall").unstarted(this::serve);
    }

    /** Starts serving the doorbell on {@code socket}, QEMU's connected second serial port. */
    public static HypercallChannel start(SocketChannel socket, HypercallWindow window, Dom0Hypercalls calls, Consumer<String> operator) {
        HypercallChannel c = new HypercallChannel(socket, window, calls, operator);
        c.thread.start();
        return c;
    }

    /** Calls answered so far. */
    public synchronized long served() {
        return served;
    }

    private void serve() {
        DoorbellReader reader = new DoorbellReader();
        try {
            while (!closed) {
                if (socket.read(reader.room()) < 0) {
                    return; // QEMU went away
                }
                java.util.Optional<DoorbellFrame.Request> next = reader.next();
                if (next.isEmpty()) {
                    continue;
                }
                long skipped = reader.takeSkipped();
                if (skipped > 0) {
                    operator.accept("hypercall doorbell: skipped " + skipped + " bytes that are no request frame");
                }
                DoorbellFrame.Request request = next.get();
                Dom0Hypercalls.Outcome outcome = calls.call(request, window);
                synchronized (this) {
                    served++;
                }
                if (outcome instanceof Dom0Hypercalls.Outcome.Returned r) {
                    ByteBuffer out = ByteBuffer.wrap(DoorbellFrame.response(request.seq(), r.value()));
                    while (out.hasRemaining()) {
                        socket.write(out);
                    }
                } else {
                    reader.clear(); // the old guest is gone; whatever it queued is not for the new one
                }
            }
        } catch (IOException e) {
            if (!closed) {
                operator.accept("hypercall doorbell closed: " + e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
