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
 * <p>Hostile bytes: anything that does not start with the request magic is skipped one byte at a
 * time (resynchronising on the next magic) and counted; the operator is told once per burst. The
 * read buffer is one frame: memory does not grow with what a guest sends. A frame of an unknown
 * version gets -EINVAL, so its caller is not left waiting. After a handover (exec or crash through
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
        byte[] frame = new byte[DoorbellFrame.REQUEST_SIZE];
        ByteBuffer in = ByteBuffer.wrap(frame);
        long skipped = 0;
        try {
            while (!closed) {
                if (socket.read(in) < 0) {
                    return; // QEMU went away
                }
                // Resynchronise: drop leading bytes until the buffer starts with the magic.
                int drop = 0;
                while (drop < in.position() && !startsMagic(frame, drop, in.position())) {
                    drop++;
                }
                if (drop > 0) {
                    skipped += drop;
                    System.arraycopy(frame, drop, frame, 0, in.position() - drop);
                    in.position(in.position() - drop);
                }
                if (in.hasRemaining()) {
                    continue;
                }
                if (skipped > 0) {
                    operator.accept("hypercall doorbell: skipped " + skipped + " bytes that are no request frame");
                    skipped = 0;
                }
                DoorbellFrame.Request request = DoorbellFrame.decodeRequest(frame.clone());
                if (!request.wellFormed()) {
                    // A torn frame (a caller killed mid-write) followed by a whole one: start over at
                    // the next magic. With none, the frame is answered (-EINVAL) so its caller is not stuck.
                    int next = nextMagic(frame);
                    if (next > 0) {
                        skipped += next;
                        System.arraycopy(frame, next, frame, 0, frame.length - next);
                        in.position(frame.length - next);
                        continue;
                    }
                }
                in.clear();
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
                    in.clear(); // the old guest is gone; whatever it queued is not for the new one
                }
            }
        } catch (IOException e) {
            if (!closed) {
                operator.accept("hypercall doorbell closed: " + e.getMessage());
            }
        }
    }

    /** The offset of the next request magic after offset 0, or -1. */
    private static int nextMagic(byte[] frame) {
        for (int i = 1; i + 4 <= frame.length; i++) {
            if (DoorbellFrame.startsRequest(frame, i)) {
                return i;
            }
        }
        return -1;
    }

    /** Whether {@code frame[from..to)} could be the start of a request frame (a magic prefix). */
    private static boolean startsMagic(byte[] frame, int from, int to) {
        int magic = DoorbellFrame.REQUEST_MAGIC;
        for (int i = 0; i < 4 && from + i < to; i++) {
            if ((frame[from + i] & 0xFF) != ((magic >>> (8 * i)) & 0xFF)) {
                return false;
            }
        }
        return true;
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
