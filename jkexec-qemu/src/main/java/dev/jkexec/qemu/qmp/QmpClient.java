package dev.jkexec.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.qemu.common.MachineException;
import dev.jkexec.qemu.common.PeerDiagnosis;
import dev.jkexec.qemu.common.Subscription;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A QMP client on a connected socket: commands with replies matched by {@code id}, and events.
 *
 * <p>Threads: one reader thread ({@code jkexec-qmp-reader}) owns the socket's input; it completes
 * replies and records events in {@link QmpEvents}, whose own thread calls listeners. Any thread may
 * call {@link #execute}; writes are serialized.
 *
 * <p>Untrusted input: lines are bounded ({@link QmpOptions#maxLineBytes()}), JSON depth is bounded,
 * malformed JSON or a message that cannot be routed (no {@code id}, an id never issued, a broken
 * event) closes the connection with a {@link QmpProtocolException}. A well-formed reply of the
 * wrong shape fails only its own call. Every wait has a timeout.
 *
 * <p>Failure: when the socket closes (QEMU died, or after {@link #quit()}), every pending and every
 * later call fails at once with a {@link QmpClosedException} carrying the {@link PeerDiagnosis}
 * the owner supplied (what became of QEMU, its last output); event waiters fail the same way.
 *
 * <p>{@link #close()} closes the socket and stops both threads; it does not ask QEMU to quit.
 */
public final class QmpClient implements AutoCloseable {
    private final SocketChannel channel;
    private final QmpOptions options;
    private final QmpJson json;
    private final Supplier<PeerDiagnosis> diagnosis;
    private final Map<Long, CompletableFuture<QmpReply>> pending = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final AtomicReference<MachineException> failure = new AtomicReference<>();
    private final CompletableFuture<ObjectNode> greeting = new CompletableFuture<>();
    private final QmpEvents events;
    private final Object writeLock = new Object();
    private final QmpInbox inbox;
    private final Thread reader;
    private volatile boolean quitting;
    /** Set before a command that may start the vCPUs is sent ({@link VcpuStart}), and on a {@code RESUME} event. */
    private volatile boolean vcpusMayHaveRun;
    /** Runs before a command that may start the vCPUs is sent ({@link #beforeVcpuStart}). */
    private volatile Runnable beforeVcpuStart = () -> { };

    private QmpClient(SocketChannel channel, QmpOptions options, Supplier<PeerDiagnosis> diagnosis) {
        this.channel = channel;
        this.options = options;
        this.json = new QmpJson(options);
        this.diagnosis = diagnosis;
        this.events = new QmpEvents(options.eventHistory());
        this.inbox = new QmpInbox(json, events, greeting, pending, nextId::get);
        this.reader = Thread.ofPlatform().daemon().name("jkexec-qmp-reader").unstarted(this::readLoop);
        events.addListener(e -> {
            if (e.name().equals("RESUME")) {
                vcpusMayHaveRun = true;
            }
        });
    }

    /**
     * Takes over a connected socket: reads the greeting, negotiates capabilities, and returns the
     * client ready for commands. On failure the socket is closed.
     *
     * @param diagnosis says what became of the peer when the socket closes; called once, on the
     *                  reader thread, and may wait briefly for the process to be reaped
     */
    public static QmpClient start(SocketChannel channel, QmpOptions options, Supplier<PeerDiagnosis> diagnosis) {
        warmUp().join();
        QmpClient client = new QmpClient(channel, options, diagnosis);
        client.reader.start();
        try {
            client.awaitGreeting();
            client.execute("qmp_capabilities");
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static volatile CompletableFuture<Void> warm;

    /**
     * Loads and initialises the JSON classes QMP uses (Jackson's first mapper, parse and write take
     * 0.4-0.9 s in a cold JVM, measured in docs/boot-profile.md) on a daemon thread, once. A command
     * that will start a machine calls this first, so that this runs on the second core while it
     * parses its options and QEMU starts; {@link #start} waits for it.
     */
    public static CompletableFuture<Void> warmUp() {
        CompletableFuture<Void> w = warm;
        if (w == null) {
            synchronized (QmpClient.class) {
                w = warm;
                if (w == null) {
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    warm = w = f;
                    Thread.ofPlatform().daemon().name("jkexec-qmp-warmup").start(() -> {
                        try {
                            QmpJson j = new QmpJson(QmpOptions.defaults());
                            j.write(j.parse("{\"QMP\": {\"version\": {\"qemu\": {\"major\": 7}}, \"capabilities\": []}}"
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                        } catch (RuntimeException e) {
                            // nothing is lost: start() meets the same classes itself and reports what fails
                        } finally {
                            f.complete(null);
                        }
                    });
                }
            }
        }
        return w;
    }

    private void awaitGreeting() {
        try {
            greeting.get(options.greetingTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new QmpTimeoutException("no QMP greeting within " + millis(options.greetingTimeout()));
        } catch (ExecutionException e) {
            throw rethrown("the greeting", (MachineException) e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MachineException("interrupted while waiting for the QMP greeting", e);
        }
    }

    /** The greeting's {@code QMP} object (version, capabilities). */
    public ObjectNode greeting() {
        return greeting.getNow(null);
    }

    /** {@link #execute(String, Map, Duration)} without arguments and with the default timeout. */
    public JsonNode execute(String command) {
        return execute(command, Map.of(), options.callTimeout());
    }

    /** {@link #execute(String, Map, Duration)} with the default timeout. */
    public JsonNode execute(String command, Map<String, ?> arguments) {
        return execute(command, arguments, options.callTimeout());
    }

    /**
     * Runs a command and returns its {@code return} value.
     *
     * @param arguments converted to JSON with Jackson; empty means no {@code arguments} member
     * @throws QmpException         QEMU answered with an error
     * @throws QmpProtocolException the answer was malformed
     * @throws QmpTimeoutException  no answer within {@code timeout}
     * @throws QmpClosedException   the connection is gone
     */
    public JsonNode execute(String command, Map<String, ?> arguments, Duration timeout) {
        return submit(command, arguments).await(timeout);
    }

    /**
     * Sends a command without waiting for its reply: {@link Call#await} waits for it. QEMU runs
     * in-band commands one at a time, in the order they arrive, and answers them in that order, so
     * commands submitted back to back run as if each had been executed after the previous reply —
     * only the client's own round trip between them is saved. Each reply is still checked as
     * {@link #execute} checks it, with the same typed exceptions, when it is awaited; a call not
     * awaited must be {@linkplain Call#abandon abandoned} (its late reply is then dropped).
     *
     * @throws QmpClosedException the connection is gone (nothing is sent)
     */
    public Call submit(String command, Map<String, ?> arguments) {
        if (VcpuStart.mayStart(command, arguments)) {
            beforeVcpuStart.run(); // may throw: then nothing is sent
        }
        long id = nextId.getAndIncrement();
        ObjectNode message = json.newObject().put("execute", command);
        if (!arguments.isEmpty()) {
            message.set("arguments", json.mapper().valueToTree(arguments));
        }
        message.put("id", id);
        if (VcpuStart.mayStart(command, arguments)) {
            vcpusMayHaveRun = true; // before it is sent: whoever asks afterwards sees it
        }
        CompletableFuture<QmpReply> reply = new CompletableFuture<>();
        pending.put(id, reply);
        MachineException failed = failure.get();
        if (failed != null) {
            pending.remove(id);
            throw rethrown(command, failed);
        }
        send(command, message);
        return new Call(command, id, reply);
    }

    /** {@link #submit(String, Map)} without arguments. */
    public Call submit(String command) {
        return submit(command, Map.of());
    }

    /** A command sent by {@link #submit} whose reply has not been awaited yet. */
    public final class Call {
        private final String command;
        private final long id;
        private final CompletableFuture<QmpReply> reply;

        private Call(String command, long id, CompletableFuture<QmpReply> reply) {
            this.command = command;
            this.id = id;
            this.reply = reply;
        }

        /** The command's name. */
        public String command() {
            return command;
        }

        /**
         * Waits for the reply and returns its {@code return} value.
         *
         * @throws QmpException         QEMU answered with an error
         * @throws QmpProtocolException the answer was malformed
         * @throws QmpTimeoutException  no answer within {@code timeout} (the call is abandoned)
         * @throws QmpClosedException   the connection is gone
         */
        public JsonNode await(Duration timeout) {
            QmpReply r;
            try {
                r = reply.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                abandon();
                throw new QmpTimeoutException("QMP " + command + ": no reply within " + millis(timeout));
            } catch (InterruptedException e) {
                abandon();
                Thread.currentThread().interrupt();
                throw new MachineException("interrupted while waiting for QMP " + command, e);
            } catch (ExecutionException e) {
                throw new AssertionError("replies are never completed exceptionally", e);
            }
            return r.value(command, QmpClient::rethrown);
        }

        /** {@link #await(Duration)} with the client's call timeout. */
        public JsonNode await() {
            return await(options.callTimeout());
        }

        /** Stops waiting for the reply: it is dropped when it comes. The command itself may still run. */
        public void abandon() {
            pending.remove(id);
        }
    }

    /**
     * Whether this client may have let the vCPUs run: it sent a command that can start them
     * ({@link VcpuStart}: {@code cont}, HMP {@code c}/{@code cont}/{@code gdbserver}) or saw a
     * {@code RESUME} event. False only while QEMU, started paused ({@code -S}), cannot have executed
     * a guest instruction through this client; a gdbstub on the command line is its owner's to count.
     */
    public boolean vcpusMayHaveRun() {
        return vcpusMayHaveRun;
    }

    /**
     * Sets what runs on the caller's thread before any command that may start the vCPUs
     * ({@link VcpuStart}) is sent; if it throws, the command is not sent and the exception goes to
     * the caller. The machine uses it to settle its gdbstub connection before the first {@code cont}.
     */
    public void beforeVcpuStart(Runnable hook) {
        beforeVcpuStart = java.util.Objects.requireNonNull(hook, "hook");
    }

    /** Pauses the vCPUs. */
    public void stop() {
        execute("stop");
    }

    /** Resumes the vCPUs (from {@code prelaunch} too: the first {@code cont} starts the machine). */
    public void cont() {
        execute("cont");
    }

    /**
     * {@code system_reset} and {@code cont} sent back to back, both replies checked afterwards (the
     * handover's reset and start). QEMU runs them in order, one main-loop iteration apart (a monitor
     * without OOB reads the next command only after it answered the previous one), and acts on the
     * reset request at the end of the iteration that answered it, before it reads {@code cont}:
     * exactly as when {@code cont} followed the reply; only the client's round trip is saved.
     * QEMU 7.2's {@code system_reset} has no error of its own; should one come anyway, the vCPUs
     * {@code cont} started are stopped again (best effort, its failure suppressed) and the reset's
     * error is thrown. A timeout or a closed connection is thrown as it comes (the calls abandoned):
     * nothing more is sent to a QEMU that did not answer.
     */
    public void resetAndResume() {
        Call reset = submit("system_reset");
        Call cont = submitBehind(reset, "cont", Map.of());
        try {
            reset.await();
        } catch (QmpException e) {
            cont.abandon();
            try {
                stop(); // runs after cont: QEMU keeps the order
            } catch (MachineException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        } catch (MachineException e) {
            cont.abandon();
            throw e;
        }
        cont.await();
    }

    /**
     * {@code stop}, then the HMP {@code commandLine} sent right behind it without waiting; returns
     * once {@code stop} answered (the vCPUs are stopped), with the HMP call still to be awaited
     * ({@link #hmpOutput} of its value). QEMU runs the HMP command after {@code stop}, so it sees
     * the stopped vCPUs. {@code stop} of a machine already stopped (paused by its panic,
     * {@code guest-panicked}) changes nothing, so no {@code query-status} is needed first.
     *
     * @throws MachineException {@code stop} failed (the HMP call is abandoned)
     */
    public Call stopThenHmp(String commandLine) {
        Call stop = submit("stop");
        Call hmp = submitBehind(stop, "human-monitor-command", Map.of("command-line", commandLine));
        try {
            stop.await();
        } catch (MachineException e) {
            hmp.abandon();
            throw e;
        }
        return hmp;
    }

    /**
     * {@code command} sent right behind {@code first}, not waiting for its reply; if it cannot be
     * sent, {@code first}'s reply is abandoned too (nobody will await it) and the error thrown.
     */
    private Call submitBehind(Call first, String command, Map<String, ?> arguments) {
        try {
            return submit(command, arguments);
        } catch (MachineException e) {
            first.abandon();
            throw e;
        }
    }

    /** Resets the machine; when stopped, it stays stopped (state {@code prelaunch}). */
    public void systemReset() {
        execute("system_reset");
    }

    /** Asks QEMU to exit. The connection closes afterwards; a close before the reply counts as success. */
    public void quit() {
        quit(options.callTimeout());
    }

    /** {@link #quit()} with its own reply timeout. */
    public void quit(Duration timeout) {
        quitting = true;
        try {
            execute("quit", Map.of(), timeout);
        } catch (QmpClosedException _) {
            // QEMU may exit before its reply reaches us; that is what we asked for.
        }
    }

    public QmpStatus queryStatus() {
        return QmpStatus.of(execute("query-status"));
    }

    /**
     * Runs an HMP command through {@code human-monitor-command} and returns its output (lines end in
     * {@code \r\n}). HMP reports its own errors as output text, not as QMP errors.
     */
    public String humanMonitorCommand(String commandLine) {
        return hmpOutput(execute("human-monitor-command", Map.of("command-line", commandLine)));
    }

    /** The output in a {@code human-monitor-command} reply, which must be a string. */
    public static String hmpOutput(JsonNode r) {
        if (!r.isTextual()) {
            throw new QmpProtocolException("human-monitor-command returned a " + r.getNodeType() + ", not a string");
        }
        return r.textValue();
    }

    /** Registers a listener for every later event; it runs on the event thread and may call {@link #execute}. */
    public Subscription addEventListener(Consumer<QmpEvent> listener) {
        return events.addListener(listener);
    }

    /** The index the next event will get: a mark to pass to {@link #awaitEvent(Predicate, Duration, long)}. */
    public long eventMark() {
        return events.mark();
    }

    /** Waits for an event arriving after this call that matches {@code filter}. */
    public QmpEvent awaitEvent(Predicate<? super QmpEvent> filter, Duration timeout) {
        return awaitEvent(filter, timeout, eventMark());
    }

    /**
     * Waits for the first event with index {@code >= fromIndex} that matches {@code filter}, including
     * events that arrived before this call (as far as the history reaches).
     *
     * @throws QmpTimeoutException if none arrives within {@code timeout}
     * @throws QmpClosedException  if the connection closes first
     */
    public QmpEvent awaitEvent(Predicate<? super QmpEvent> filter, Duration timeout, long fromIndex) {
        return events.await(filter, timeout, fromIndex, () -> Optional.ofNullable(failure.get()).map(f -> rethrown("event wait", f)));
    }

    /** Typed form of {@link #awaitEvent(Predicate, Duration, long)}. */
    public <T extends QmpEvent> T awaitEvent(Class<T> type, Duration timeout, long fromIndex) {
        return type.cast(awaitEvent(type::isInstance, timeout, fromIndex));
    }

    /** The events still in the history, oldest first. */
    public java.util.List<QmpEvent> events() {
        return events.snapshot();
    }

    /** Whether the connection is still open. */
    public boolean isOpen() {
        return failure.get() == null;
    }

    /** Closes the socket and stops the threads. Pending calls fail with {@link QmpClosedException}. Idempotent. */
    @Override
    public void close() {
        fail(new QmpClosedException("QMP client closed", PeerDiagnosis.unknown(), null));
        try {
            reader.join(Duration.ofSeconds(2));
        } catch (InterruptedException _) {
            Thread.currentThread().interrupt();
        }
        events.close();
    }

    private void send(String command, ObjectNode message) {
        byte[] bytes = json.write(message);
        ByteBuffer buf = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
        try {
            synchronized (writeLock) {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
            }
        } catch (IOException e) {
            // The reader will see the close too; whoever is first records the diagnosis.
            fail(closedError(e));
            throw rethrown(command, failure.get());
        }
    }

    private void readLoop() {
        LineReader lines = new LineReader(channel, options.maxLineBytes());
        try {
            while (true) {
                inbox.accept(lines.next());
            }
        } catch (QmpProtocolException e) {
            fail(e);
        } catch (ClosedChannelException e) {
            // Our own close(), or fail() after a write error: the failure is already recorded.
            fail(new QmpClosedException("QMP client closed", PeerDiagnosis.unknown(), e));
        } catch (IOException e) {
            // EOF or a reset: QEMU went away.
            fail(closedError(e));
        } catch (RuntimeException | Error e) {
            // A bug of ours must still release every waiter.
            fail(new MachineException("QMP reader failed: " + e, e));
        }
    }

    /** Records the first failure, closes the socket and releases every waiter. */
    private void fail(MachineException cause) {
        if (!failure.compareAndSet(null, cause)) {
            return;
        }
        try {
            channel.close();
        } catch (IOException _) {
            // Closing is all we wanted.
        }
        greeting.completeExceptionally(cause);
        for (Long id : pending.keySet()) {
            CompletableFuture<QmpReply> r = pending.remove(id);
            if (r != null) {
                r.complete(new QmpReply.Failed(cause));
            }
        }
        events.fail();
    }

    private QmpClosedException closedError(IOException e) {
        PeerDiagnosis d = diagnosis.get();
        String what = quitting ? "QMP connection closed after quit" : "QMP connection closed: " + d.describe();
        return new QmpClosedException(what, d, e);
    }

    /** A fresh exception for this caller, keeping the recorded failure as its cause. */
    private static MachineException rethrown(String command, MachineException cause) {
        String message = "QMP " + command + ": " + cause.getMessage();
        return switch (cause) {
            case QmpClosedException c -> new QmpClosedException(message, c.diagnosis(), c);
            case QmpProtocolException p -> new QmpProtocolException(p.problem(), p);
            default -> new MachineException(message, cause.qemuOutput(), cause);
        };
    }

    private static String millis(Duration d) {
        return d.toMillis() + " ms";
    }
}
