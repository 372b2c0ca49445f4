package dev.jkexec.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.image.ImageType;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineEvent;
import dev.jkexec.machine.control.MachineController;
import dev.jkexec.machine.control.MachineReply;
import dev.jkexec.machine.control.MachineRequest;
import dev.jkexec.machine.control.RequestException;
import dev.jkexec.machine.control.RequestReader;
import dev.jkexec.machine.crash.DumpProgress;
import dev.jkexec.platform.InputFileException;
import dev.jkexec.platform.JkexecException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.unixdomain.server.UnixDomainServerConnector;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The REST API of a running machine ({@code jkexec run --api PATH}), HTTP/1.1 on a Unix socket as
 * Firecracker and Cloud Hypervisor serve theirs; {@code docs/api.yaml} is its contract,
 * {@code docs/api.md} its guide. Each request becomes a {@link MachineRequest} for the
 * {@link MachineController}; each reply is 200 with JSON, 204, or 4xx/5xx with
 * {@code {"fault_message": "...", "errno": "EINVAL"}}.
 *
 * <p>Jetty 12 serves it ({@link UnixDomainServerConnector}: the JDK's own Unix sockets, no
 * native code): connections are served concurrently, each with a read deadline
 * ({@link #IDLE_TIMEOUT_MS}), so a silent client holds nobody up; headers and bodies are bounded
 * ({@link #MAX_JSON_BODY}, {@link #MAX_KEXEC_OP_BODY}) and checked before they are read; bodies
 * are decoded as UTF-8 whole. A failing request answers its error and the server goes on.
 */
final class ApiServer implements AutoCloseable {
    /** A client that sends nothing for this long is disconnected. */
    static final long IDLE_TIMEOUT_MS = 10_000;
    /** A JSON request body: room for any kernel's options, never the heap. */
    static final int MAX_JSON_BODY = 64 * 1024;
    /** A raw {@code kexec_op} request: its memory holds the segments of a kernel and an initrd. */
    static final int MAX_KEXEC_OP_BODY = 512 << 20;
    /** A quiet event stream gets a comment line this often, so a client knows the machine is there. */
    static final long EVENT_KEEPALIVE_MS = 3_000;

    /** Every operation served, as docs/api.yaml names them ({@code ApiContractTest} holds the two together). */
    static final Set<String> OPERATIONS = Set.of("GET /machine", "GET /kexec/images/{type}", "PUT /kexec/images/{type}",
            "DELETE /kexec/images/{type}", "GET /kexec/ranges/{range}", "PUT /actions", "POST /kexec/op", "GET /events");

    private final MachineController controller;
    private final Path socket;
    private final Server server;
    private final List<BlockingQueue<ObjectNode>> subscribers = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook;

    private ApiServer(MachineController controller, Path socket) {
        this.controller = controller;
        this.socket = socket;
        QueuedThreadPool pool = new QueuedThreadPool(64, 4);
        pool.setName("jkexec-api");
        pool.setDaemon(true);
        this.server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        http.setRequestHeaderSize(8 * 1024);
        UnixDomainServerConnector connector = new UnixDomainServerConnector(server, new HttpConnectionFactory(http));
        connector.setUnixDomainPath(socket);
        connector.setIdleTimeout(IDLE_TIMEOUT_MS);
        server.addConnector(connector);
        server.setHandler(new Routes());
        controller.addListener(this::publish);
        this.shutdownHook = new Thread(this::stop, "jkexec-api-cleanup");
    }

    /** Serves {@code machine} on {@code socket} ({@code isDefault}: the socket in this user's own directory). */
    static ApiServer start(Machine machine, Path socket, boolean isDefault) {
        Path s = socket.toAbsolutePath();
        ApiSocket.prepare(s, isDefault);
        ApiServer api = new ApiServer(new MachineController(machine), s);
        try {
            api.server.start();
        } catch (Exception e) {
            api.stop();
            throw new JkexecException("--api " + s + ": " + e.getMessage(), e);
        }
        ApiSocket.restrict(s);
        Runtime.getRuntime().addShutdownHook(api.shutdownHook); // SIGTERM, SIGINT: the socket goes too
        return api;
    }

    Path socket() {
        return socket;
    }

    private void publish(MachineEvent e) {
        publish(ApiJson.event(e));
    }

    private void publish(ObjectNode event) {
        for (BlockingQueue<ObjectNode> q : subscribers) {
            q.offer(event); // a subscriber that does not keep up loses events, never the machine its pace
        }
    }

    /** Dump progress on the event stream, at most ten a second. */
    private DumpProgress progress() {
        long[] last = {0};
        return (done, total) -> {
            long now = System.nanoTime();
            if (done < total && now - last[0] < 100_000_000L) {
                return;
            }
            last[0] = now;
            publish(ApiJson.JSON.createObjectNode().put("event", "dump-progress").put("done", done).put("total", total));
        };
    }

    /** A refused request: its HTTP status, message and errno. */
    record Fault(int status, String message, Errno errno) {
        /** EBUSY is a conflict with the machine's state (409); EFBIG, a body or a named file above its limit (413); else 400. */
        static int status(Errno e) {
            return e == Errno.EBUSY ? 409 : e == Errno.EFBIG ? 413 : 400;
        }

        static Fault of(RuntimeException e) {
            return switch (e) {
                case Status s -> new Fault(s.status, s.getMessage(), s.errno());
                case KexecException k -> new Fault(status(k.errno()), k.getMessage(), k.errno());
                case InputFileException i -> new Fault(status(Errno.of(i.problem())), i.getMessage() + " (-" + Errno.of(i.problem()).name() + ")",
                        Errno.of(i.problem()));
                case JkexecException j -> new Fault(400, j.getMessage(), Errno.EINVAL);
                default -> new Fault(500, "internal error: " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()),
                        Errno.EIO);
            };
        }
    }

    private final class Routes extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            String path = request.getHttpURI().getPath();
            String method = request.getMethod();
            try {
                if (path.equals("/events") && method.equals("GET")) {
                    events(response);
                    callback.succeeded();
                    return true;
                }
                MachineReply reply = controller.handle(route(method, path, request), progress());
                ObjectNode body = ApiJson.reply(reply);
                if (body == null) {
                    response.setStatus(204);
                    callback.succeeded();
                } else {
                    send(response, callback, 200, body);
                }
            } catch (RuntimeException e) {
                Fault f = Fault.of(e);
                send(response, callback, f.status(), ApiJson.JSON.createObjectNode().put("fault_message", f.message())
                        .put("errno", f.errno().name()));
            }
            return true;
        }

        private MachineRequest route(String method, String path, Request request) {
            List<String> p = List.of(path.replaceFirst("^/", "").split("/", -1));
            return switch (p.getFirst()) {
                case "machine" -> {
                    only(p, 1, method, "GET");
                    yield new MachineRequest.Status();
                }
                case "kexec" -> {
                    if (p.size() == 3 && p.get(1).equals("images")) {
                        ImageType type = RequestReader.imageType(p.get(2), "type");
                        yield switch (method) {
                            case "GET" -> new MachineRequest.GetImage(type);
                            case "DELETE" -> new MachineRequest.Unload(type);
                            case "PUT" -> new MachineRequest.Load(RequestReader.kernel(json(request, "load"), type,
                                    RequestReader.absolutePaths(), Set.of()));
                            default -> throw new Status(405, "PUT, GET or DELETE " + path);
                        };
                    }
                    if (p.size() == 3 && p.get(1).equals("ranges")) {
                        only(p, 3, method, "GET");
                        yield range(p.get(2), request);
                    }
                    if (p.size() == 2 && p.get(1).equals("op")) {
                        only(p, 2, method, "POST");
                        yield new MachineRequest.KexecOp(body(request, MAX_KEXEC_OP_BODY, "kexec_op"));
                    }
                    throw new Status(404, "no resource " + path);
                }
                case "actions" -> {
                    only(p, 1, method, "PUT");
                    yield action(json(request, "action"));
                }
                default -> throw new Status(404, "no resource " + path);
            };
        }

        private static void only(List<String> p, int size, String method, String allowed) {
            if (p.size() != size) {
                throw new Status(404, "no resource /" + String.join("/", p));
            }
            if (!method.equals(allowed)) {
                throw new Status(405, allowed + " /" + String.join("/", p) + ", not " + method);
            }
        }

        private MachineRequest range(String name, Request request) {
            int range = switch (name) {
                case "crash" -> RangeId.CRASH;
                case "xen" -> RangeId.XEN;
                case "cpu" -> RangeId.CPU;
                case "vmcoreinfo" -> RangeId.VMCOREINFO;
                default -> throw new RequestException("range", "'" + name + "' is none of crash, xen, cpu, vmcoreinfo");
            };
            String nr = Request.extractQueryParameters(request).getValue("nr");
            int n;
            try {
                n = nr == null ? 0 : Integer.parseInt(nr);
            } catch (NumberFormatException e) {
                throw new RequestException("nr", RequestReaderQuote.quote(nr) + " is not an integer");
            }
            return new MachineRequest.GetRange(range, n);
        }

        private MachineRequest action(RequestReader.Fields f) {
            String action = f.string("action");
            String where = "action";
            return switch (action) {
                case "exec" -> {
                    f.only(Set.of("action", "type"));
                    yield new MachineRequest.Exec(RequestReader.imageType(f.string("type", "default"), f.at("type")));
                }
                case "crash" -> {
                    f.only(Set.of("action"));
                    yield new MachineRequest.Crash("operator request");
                }
                case "dump" -> RequestReader.dump(f, RequestReader.absolutePaths(), Set.of("action"));
                case "pause" -> {
                    f.only(Set.of("action"));
                    yield new MachineRequest.Pause();
                }
                case "resume" -> {
                    f.only(Set.of("action"));
                    yield new MachineRequest.Resume();
                }
                default -> throw new RequestException(where + ".action", RequestReaderQuote.quote(action)
                        + " is none of exec, crash, dump, pause, resume");
            };
        }

        private RequestReader.Fields json(Request request, String where) {
            String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
            if (type != null && !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
                throw new Status(415, where + ": Content-Type " + type + " is not application/json");
            }
            return RequestReader.object(body(request, MAX_JSON_BODY, where), where);
        }

        /** The whole body, refused before reading when its declared length is over {@code max}, and when it grows past it. */
        private static byte[] body(Request request, int max, String where) {
            long declared = request.getLength();
            if (declared > max) {
                throw new Status(413, where + ": a body of " + declared + " bytes, above the limit of " + max);
            }
            try (InputStream in = Content.Source.asInputStream(request)) {
                byte[] b = in.readNBytes(max + 1);
                if (b.length > max) {
                    throw new Status(413, where + ": a body above the limit of " + max + " bytes");
                }
                return b;
            } catch (IOException e) {
                throw new Status(400, where + ": the body could not be read (" + e.getClass().getSimpleName() + ")");
            }
        }

        private void events(Response response) {
            BlockingQueue<ObjectNode> q = new ArrayBlockingQueue<>(1024);
            subscribers.add(q);
            try {
                response.setStatus(200);
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
                write(response, ": jkexec events\n\n");
                while (server.isRunning()) {
                    ObjectNode e = q.poll(EVENT_KEEPALIVE_MS, TimeUnit.MILLISECONDS);
                    write(response, e == null ? ": keepalive\n\n" : "event: " + e.get("event").asText() + "\ndata: " + e + "\n\n");
                }
            } catch (IOException e) {
                // the client went away
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                subscribers.remove(q);
            }
        }

        private static void write(Response response, String text) throws IOException {
            try (Blocker.Callback b = Blocker.callback()) {
                response.write(false, ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), b);
                b.block();
            }
        }

        private static void send(Response response, Callback callback, int status, ObjectNode body) {
            response.setStatus(status);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            Content.Sink.write(response, true, body.toString() + "\n", callback);
        }
    }

    /** A refusal of the HTTP request itself (no route, wrong method, too big, not JSON): its status, errno EINVAL. */
    static final class Status extends KexecException {
        final int status;

        Status(int status, String detail) {
            super(Errno.EINVAL, detail);
            this.status = status;
        }
    }

    /** Quoting for messages, as the request reader does it. */
    private static final class RequestReaderQuote {
        static String quote(String s) {
            return ApiJson.JSON.getNodeFactory().textNode(s.length() > 200 ? s.substring(0, 200) + "…" : s).toString();
        }
    }

    private void stop() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping a server that failed to start
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            // nothing else to release
        }
    }

    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // the JVM is shutting down already, or the hook was never added
        }
    }
}
