package dev.jkexec.qemu.gdb;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A client of QEMU's gdbstub (the GDB remote serial protocol) over a Unix socket, just enough to
 * stop the machine at an address: hardware breakpoints, continue, wait for the stop.
 *
 * <p>jkexec uses it only for breakpoints; the CPU state at the stop is read through QMP
 * ({@code info registers}), which gives what the gdbstub's register packet does not (descriptor
 * caches, GDTR, EFER). Hardware breakpoints ({@code Z1}) are used rather than software ones because
 * under KVM a software breakpoint is an {@code int3} byte in guest memory, which the firmware's
 * relocation walk would overwrite.
 *
 * <p>QEMU's gdbstub stops a running machine when any packet arrives, and reports every stop — a
 * QMP {@code stop} too — to the connected client as a stop reply. So: send requests only while the
 * machine is stopped, and expect stray interrupt stops ({@code T02}) in the stream; replies and
 * breakpoint waits skip them.
 *
 * <p>Protocol: packets {@code $data#cs} (cs = sum of data bytes mod 256, two hex digits),
 * acknowledged with {@code +}. Replies are untrusted: a packet larger than {@link #MAX_PACKET}
 * or with a bad checksum is an error; every wait has a deadline. Not thread-safe: one owner.
 */
public final class GdbStub implements AutoCloseable {
    /** Largest packet accepted (QEMU advertises PacketSize=0x1000; register dumps are ~1.2 KB). */
    public static final int MAX_PACKET = 64 * 1024;

    /** A stop reply: {@code T05...} (breakpoint / trap) or {@code T02} (interrupted) and the raw text. */
    public record Stop(int signal, String raw) {
        public boolean trap() {
            return signal == 5;
        }
    }

    private final GdbWire wire;
    private boolean running;

    private GdbStub(GdbWire wire) {
        this.wire = wire;
    }

    /** Connects to the gdbstub socket and asks why the target stopped (it is stopped at connect). */
    public static GdbStub connect(Path socket, Duration timeout) {
        try {
            SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
            GdbStub stub = new GdbStub(new GdbWire(ch));
            stub.request("?", timeout);
            return stub;
        } catch (IOException e) {
            throw new GdbException("gdbstub " + socket + ": " + e.getMessage(), e);
        }
    }

    /** Inserts a hardware breakpoint at a linear address. */
    public void insertBreakpoint(long address, Duration timeout) {
        expectOk(request(String.format("Z1,%x,1", address), timeout), "Z1 at 0x" + Long.toHexString(address));
    }

    /** Removes a hardware breakpoint. */
    public void removeBreakpoint(long address, Duration timeout) {
        expectOk(request(String.format("z1,%x,1", address), timeout), "z1 at 0x" + Long.toHexString(address));
    }

    /** Resumes the machine; the stop reply arrives later ({@link #awaitStop}). */
    public void resume() {
        send("c");
        running = true;
    }

    /**
     * Waits for the machine to stop (a breakpoint); fails after {@code timeout}. The machine may
     * have been resumed by this client or by anyone else (QMP {@code cont}): QEMU reports every
     * debug stop to the connected client.
     */
    public Stop awaitStop(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Stop stop = parseStop(receive(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))));
            if (stop.trap()) {
                running = false;
                return stop;
            }
        }
    }

    /**
     * Like {@link #awaitStop(Duration)}, but gives up early: when a stop that is not a breakpoint
     * arrives (one {@link #interruptAsync} asked for) and {@code abandon} then says so, that stop
     * is returned instead of waiting on.
     */
    public Stop awaitStop(Duration timeout, java.util.function.BooleanSupplier abandon) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Stop stop = parseStop(receive(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))));
            if (stop.trap() || abandon.getAsBoolean()) {
                running = false;
                return stop;
            }
        }
    }

    /**
     * Asks the stub to stop the machine (Ctrl-C on the wire) without waiting: the stop reply goes
     * to whoever is in {@link #awaitStop(Duration, java.util.function.BooleanSupplier)}. Safe from
     * another thread.
     */
    public void interruptAsync() {
        write(new byte[] {3});
    }

    /** Stops a running machine (Ctrl-C on the wire) and returns its stop reply. */
    public Stop interrupt(Duration timeout) {
        write(new byte[] {3});
        String reply = receive(timeout);
        running = false;
        return parseStop(reply);
    }

    static Stop parseStop(String reply) {
        if ((reply.startsWith("T") || reply.startsWith("S")) && reply.length() >= 3) {
            try {
                return new Stop(Integer.parseInt(reply.substring(1, 3), 16), reply);
            } catch (NumberFormatException e) {
                throw new GdbException("gdbstub: malformed stop reply '" + abbreviate(reply) + "'");
            }
        }
        throw new GdbException("gdbstub: expected a stop reply, got '" + abbreviate(reply) + "'");
    }

    /** Sends a request and returns its reply, skipping stop replies that were already in flight. */
    private String request(String packet, Duration timeout) {
        send(packet);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String reply = receive(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            if (packet.equals("?") || !(reply.startsWith("T") || reply.startsWith("S"))) {
                return reply;
            }
        }
    }

    static void expectOk(String reply, String what) {
        if (!reply.equals("OK")) {
            throw new GdbException("gdbstub refused " + what + ": '" + abbreviate(reply) + "'");
        }
    }

    private void send(String data) {
        wire.send(data);
    }

    private void write(byte[] bytes) {
        wire.write(bytes);
    }

    /** Reads one packet, skipping acks, and acknowledges it ({@code +}, or {@code -} for a bad one); returns its data. */
    private String receive(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String data;
        try {
            data = GdbPackets.read(() -> wire.nextByte(deadline, "gdbstub: no reply within the deadline"), MAX_PACKET);
        } catch (GdbPackets.BadPacketException e) {
            write(new byte[] {'-'});
            throw e;
        }
        write(new byte[] {'+'});
        return data;
    }

    /** A reply for a one-line message: at most 80 characters, anything but printable ASCII as {@code \xNN} (fuzzing finding). */
    private static String abbreviate(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < Math.min(s.length(), 80); i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return s.length() > 80 ? b.append("...").toString() : b.toString();
    }

    @Override
    public void close() {
        wire.close();
    }
}
