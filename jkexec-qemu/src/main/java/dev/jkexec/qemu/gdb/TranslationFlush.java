package dev.jkexec.qemu.gdb;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * Empties TCG's whole translation cache ({@code tb_flush}) of a stopped QEMU 7.2 through its gdbstub,
 * on a private socket that only jkexec connects to.
 *
 * <p>Why this works (QEMU 7.2's source, and the Debian binary's callers of {@code tb_flush}): the
 * gdbstub's VM state handler ({@code gdb_vm_state_change} in {@code gdbstub.c}) calls
 * {@code tb_flush} whenever the machine stops in state {@code debug}, which is how a single step
 * ({@code s}) ends. Inserting breakpoints and toggling single-step no longer flush in 7.2 (removed in
 * 6.1, when breakpoints moved out of translation). So one {@code s} of a machine that is stopped
 * runs exactly one guest instruction and leaves the cache empty and the machine stopped in
 * {@code debug} (QMP {@code cont} starts it from there). jkexec steps only right after
 * {@code system_reset}, so the instruction is the firmware's first at the reset vector, which it
 * would have executed next anyway.
 *
 * <p>QEMU's gdbstub stops a running machine when any byte arrives (except an ack it waits for), and
 * reports every later stop of the machine (a QMP {@code stop}: {@code T02}) to the client. So: bytes
 * go out only while the machine is stopped, nothing is ever acknowledged (QEMU 7.2 has no
 * {@code QStartNoAckMode}, but in system emulation it never waits for an ack, and an unacknowledged
 * reply is simply dropped when the next request begins), and stop replies left in the stream are
 * skipped on the way to the step's own ({@code T05}). The connect-time stop (QEMU's
 * {@code CHR_EVENT_OPENED} calls {@code vm_stop}) changes nothing in {@code prelaunch}; the
 * {@code ?} round trip at {@link #open} proves QEMU has seen the connection before the first
 * {@code cont}.
 *
 * <p>Replies are untrusted: bounded in size ({@link GdbStub#MAX_PACKET}), checksummed, every wait
 * with a deadline; a reply that is not the expected stop is a {@link GdbException} naming it.
 *
 * <p>QEMU writes each stop report with a blocking write: if jkexec never read them, a machine stopped
 * and resumed some thousands of times without an exec would fill the socket's buffer and block
 * QEMU's main loop. {@link #drain()} discards what has arrived; the machine calls it before every
 * {@code cont}. The methods are synchronized: a drain waits for a step in progress.
 */
public final class TranslationFlush implements AutoCloseable {
    /** The stop signal of a single step's end (and of {@code ?}): SIGTRAP. */
    static final int SIGTRAP = 5;
    private static final String PREFIX = "gdbstub: ";

    private final GdbWire wire;

    private TranslationFlush(GdbWire wire) {
        this.wire = wire;
    }

    /**
     * Takes a connection to the gdbstub (made before the machine's first {@code cont}) and asks
     * {@code ?}, whose reply ({@code T05}) shows QEMU has accepted it. Closes the channel on failure.
     *
     * @throws GdbException no reply within {@code timeout} ({@link GdbTimeoutException}), a malformed
     *                      one, or one that is not {@code T05}
     */
    public static TranslationFlush open(SocketChannel connected, Duration timeout) {
        GdbWire wire;
        try {
            wire = new GdbWire(connected);
        } catch (IOException e) {
            throw new GdbException("gdbstub: " + e.getMessage(), e);
        }
        try {
            TranslationFlush f = new TranslationFlush(wire);
            wire.send("?");
            f.expectTrap("?", timeout, false);
            return f;
        } catch (RuntimeException e) {
            wire.close();
            throw e instanceof GdbException g ? g : new GdbException("gdbstub: " + e.getMessage(), e);
        }
    }

    /**
     * Single-steps the stopped machine once, which makes QEMU flush its whole translation cache;
     * returns when the step's stop reply has arrived (the flush is queued on the vCPU by then and
     * runs before it executes anything more). Call only while the machine is stopped.
     *
     * @throws GdbException no stop reply within {@code timeout}, the connection gone, or a reply
     *                      that is not a stop ({@code E..}, an empty one: step refused)
     */
    public synchronized void flush(Duration timeout) {
        wire.send("s");
        expectTrap("s", timeout, true);
    }

    /**
     * Discards every byte that has arrived (stop reports of a machine stopped since the last read),
     * without waiting; returns how many. Safe while the machine runs: nothing is sent. A packet cut
     * in two by it is harmless: the next read skips to its next {@code $}, and the rest of a stop
     * report holds none. A connection gone or failing is left for the next {@link #flush} to report.
     */
    public synchronized long drain() {
        return wire.drain();
    }

    /** Reads replies until a SIGTRAP stop; earlier stops of other signals are skipped if {@code skipOthers}. */
    private void expectTrap(String request, Duration timeout, boolean skipOthers) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String reply = GdbPackets.read(() -> wire.nextByte(deadline, "gdbstub: no reply to '" + request + "' within the deadline"),
                    GdbStub.MAX_PACKET);
            GdbStub.Stop stop;
            try {
                stop = GdbStub.parseStop(reply);
            } catch (GdbException e) {
                String why = e.getMessage().startsWith(PREFIX) ? e.getMessage().substring(PREFIX.length()) : e.getMessage();
                throw new GdbException("gdbstub answered '" + request + "' with " + why);
            }
            if (stop.signal() == SIGTRAP) {
                return;
            }
            if (!skipOthers) {
                throw new GdbException("gdbstub answered '" + request + "' with stop signal " + stop.signal()
                        + ", expected " + SIGTRAP + " (SIGTRAP)");
            }
            // a stop reported earlier (T02 for a QMP stop): not this request's answer
        }
    }

    @Override
    public void close() {
        wire.close();
    }
}
