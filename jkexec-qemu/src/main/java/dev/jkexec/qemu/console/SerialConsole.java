package dev.jkexec.qemu.console;

import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.qemu.common.PeerDiagnosis;
import dev.jkexec.qemu.common.Subscription;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The guest's first serial port (COM1), read from QEMU's Unix-socket chardev.
 *
 * <p>One reader thread ({@code jkexec-serial-reader}) owns the socket's input. For every chunk it
 * calls the raw listeners (terminal passthrough), appends to the log file if one is configured,
 * then cuts lines ({@link LineSplitter}), stamps each with the time since machine start, keeps it
 * in a bounded history and calls the line listeners. Listeners run on the reader thread and must be
 * quick: while they run, QEMU's serial output waits. A listener that throws is logged and kept.
 *
 * <p>Waiting: {@link #awaitLine(Pattern, Duration, long)} searches the history from a mark taken
 * before the action that causes the line, so a line that arrives before the wait begins is not
 * missed. Every wait has a timeout; when the connection ends, waiters fail at once with
 * {@link ConsoleClosedException} carrying what became of QEMU.
 *
 * <p>{@link #close()} closes the socket and the log file and stops the thread.
 */
public final class SerialConsole implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SerialConsole.class.getName());

    private final SocketChannel channel;
    private final long startNanos;
    private final ConsoleOptions options;
    private final Supplier<PeerDiagnosis> diagnosis;
    private final LineSplitter splitter;
    private final ArrayDeque<ConsoleLine> history = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Consumer<ConsoleLine>> lineListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<byte[]>> rawListeners = new CopyOnWriteArrayList<>();
    private final Object writeLock = new Object();
    private final Thread reader;
    private OutputStream log;
    private long next;
    private volatile ConsoleClosedException closed;

    private SerialConsole(SocketChannel channel, long startNanos, ConsoleOptions options, Supplier<PeerDiagnosis> diagnosis) {
        this.channel = channel;
        this.startNanos = startNanos;
        this.options = options;
        this.diagnosis = diagnosis;
        this.splitter = new LineSplitter(options.maxLineBytes());
        this.reader = Thread.ofPlatform().daemon().name("jkexec-serial-reader").unstarted(this::readLoop);
    }

    /**
     * Starts reading a connected serial socket.
     *
     * @param startNanos {@link System#nanoTime()} at machine start, the origin of line times
     * @param diagnosis  says what became of QEMU when the socket closes
     */
    public static SerialConsole start(SocketChannel channel, long startNanos, ConsoleOptions options,
            Supplier<PeerDiagnosis> diagnosis) {
        SerialConsole console = new SerialConsole(channel, startNanos, options, diagnosis);
        if (options.logFile().isPresent()) {
            try {
                console.log = Files.newOutputStream(options.logFile().get(),
                        StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                closeQuietly(channel);
                throw new MachineException("cannot open console log " + options.logFile().get() + ": " + e.getMessage(), e);
            }
        }
        console.reader.start();
        return console;
    }

    /** Calls {@code listener} with every later line, on the reader thread. */
    public Subscription addLineListener(Consumer<ConsoleLine> listener) {
        lineListeners.add(listener);
        return () -> lineListeners.remove(listener);
    }

    /** Calls {@code listener} with every later chunk of raw bytes (a copy), on the reader thread. */
    public Subscription addRawListener(Consumer<byte[]> listener) {
        rawListeners.add(listener);
        return () -> rawListeners.remove(listener);
    }

    /** The index the next line will get. */
    public long mark() {
        lock.lock();
        try {
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** The lines still in the history, oldest first. */
    public List<ConsoleLine> lines() {
        lock.lock();
        try {
            return List.copyOf(history);
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a line arriving after this call in which {@code pattern} is found. */
    public ConsoleLine awaitLine(Pattern pattern, Duration timeout) {
        return awaitLine(pattern, timeout, mark());
    }

    /**
     * Waits for the first line with index {@code >= fromIndex} in which {@code pattern} is found
     * ({@link java.util.regex.Matcher#find()}), including lines that arrived before this call, as far
     * as the history reaches.
     *
     * @throws ConsoleTimeoutException if none arrives within {@code timeout}
     * @throws ConsoleClosedException  if the console closes first
     */
    public ConsoleLine awaitLine(Pattern pattern, Duration timeout, long fromIndex) {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            long from = fromIndex;
            while (true) {
                for (ConsoleLine l : history) {
                    if (l.index() >= from && pattern.matcher(l.text()).find()) {
                        return l;
                    }
                }
                from = next;
                ConsoleClosedException c = closed;
                if (c != null) {
                    throw new ConsoleClosedException("console closed before a line matching /" + pattern + "/: "
                            + c.getMessage(), c.diagnosis(), c);
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    ConsoleLine last = history.peekLast();
                    throw new ConsoleTimeoutException("no console line matching /" + pattern + "/ within "
                            + timeout.toMillis() + " ms (" + next + " lines so far; last: "
                            + (last == null ? "none" : "'" + abbreviate(last.text()) + "'") + ")");
                }
                changed.awaitNanos(remaining);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MachineException("interrupted while waiting for a console line", e);
        } finally {
            lock.unlock();
        }
    }

    /** Types {@code bytes} into the guest's serial port. */
    public void send(byte[] bytes) {
        ConsoleClosedException c = closed;
        if (c != null) {
            throw new ConsoleClosedException("cannot send to the console: " + c.getMessage(), c.diagnosis(), c);
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes.clone());
        try {
            synchronized (writeLock) {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }
        } catch (IOException e) {
            PeerDiagnosis d = diagnosis.get();
            throw new ConsoleClosedException("cannot send to the console: " + d.describe(), d, e);
        }
    }

    /** Whether the connection is still open. */
    public boolean isOpen() {
        return closed == null;
    }

    /** Closes the socket and the log file; waiters fail with {@link ConsoleClosedException}. Idempotent. */
    @Override
    public void close() {
        closeQuietly(channel);
        try {
            reader.join(Duration.ofSeconds(2));
        } catch (InterruptedException _) {
            Thread.currentThread().interrupt();
        }
        markClosed(new ConsoleClosedException("console closed", PeerDiagnosis.unknown(), null));
    }

    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(16 << 10);
        ConsoleClosedException end;
        try {
            while (true) {
                buf.clear();
                int n = channel.read(buf);
                if (n < 0) {
                    PeerDiagnosis d = diagnosis.get();
                    end = new ConsoleClosedException("console closed: " + d.describe(), d, null);
                    break;
                }
                chunk(Arrays.copyOf(buf.array(), n));
            }
        } catch (ClosedChannelException e) {
            end = new ConsoleClosedException("console closed", PeerDiagnosis.unknown(), e);
        } catch (IOException e) {
            PeerDiagnosis d = diagnosis.get();
            end = new ConsoleClosedException("console connection failed: " + d.describe(), d, e);
        } catch (RuntimeException | Error e) {
            end = new ConsoleClosedException("console reader failed: " + e, PeerDiagnosis.unknown(), e);
        }
        splitter.flush(this::line);
        markClosed(end);
    }

    private void chunk(byte[] bytes) {
        for (Consumer<byte[]> l : rawListeners) {
            try {
                l.accept(bytes.clone());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "console raw listener failed", e);
            }
        }
        writeLog(bytes);
        splitter.feed(bytes, bytes.length, this::line);
    }

    private void line(String text) {
        ConsoleLine line;
        lock.lock();
        try {
            line = new ConsoleLine(next++, Duration.ofNanos(System.nanoTime() - startNanos), text);
            if (history.size() == options.historyLines()) {
                history.removeFirst();
            }
            history.addLast(line);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Consumer<ConsoleLine> l : lineListeners) {
            try {
                l.accept(line);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "console line listener failed", e);
            }
        }
    }

    private void markClosed(ConsoleClosedException reason) {
        lock.lock();
        try {
            if (closed == null) {
                closed = reason;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        closeLog();
    }

    private synchronized void writeLog(byte[] bytes) {
        if (log != null) {
            try {
                log.write(bytes);
                log.flush();
            } catch (IOException e) {
                LOG.log(Level.WARNING, "console log " + options.logFile().orElseThrow() + " failed; no longer logging", e);
                closeLog();
            }
        }
    }

    private synchronized void closeLog() {
        if (log != null) {
            try {
                log.close();
            } catch (IOException _) {
                // Nothing left to save.
            }
            log = null;
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException _) {
            // Closing is all we wanted.
        }
    }

    /** At most 100 characters of a guest line, control characters escaped: it goes into a one-line message. */
    private static String abbreviate(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(100).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return s.codePointCount(0, s.length()) > 100 ? b + "..." : b.toString();
    }
}
