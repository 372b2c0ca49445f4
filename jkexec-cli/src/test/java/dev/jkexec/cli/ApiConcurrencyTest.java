package dev.jkexec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.crash.DumpFormat;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.platform.testing.NeedsQemu;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: 8 clients × 1,000 mixed requests (status, get image, get range, load, unload, for
 * both slots) on the REST API of a running machine whose guest is executed and crashed meanwhile
 * by a ninth client, all through the socket. The history is then checked against the core's model
 * of a slot (a register: load writes an image, unload writes "empty"; an exec of the default image
 * empties a frozen crash slot; a refused request writes nothing):
 * <ul>
 *   <li>no torn image: every image a GET or a status shows is, field for field, one image that was
 *       loaded whole (identified by its SHA-256, and equal to what the load of it answered);
 *   <li>status always true to the slot, and no read is stale or from the future: a read's value
 *       was written by a write that began before the read ended, and no other write began after
 *       that write ended and ended before the read began (the register's linearizability, checked
 *       as the necessary "no stale read" condition over real time);
 *   <li>every request is answered with one of its documented statuses; get_range never changes.
 * </ul>
 */
@NeedsQemu
class ApiConcurrencyTest {
    static final int CLIENTS = 8;
    static final int REQUESTS = 1_000;
    static final String EMPTY = "empty";

    @TempDir
    Path dir;

    /** One request as a client saw it: when it was sent and fully answered, and what it read or wrote. */
    record Op(String slot, Kind kind, long start, long end, String value) {
    }

    enum Kind { READ, WRITE, MAYBE_EMPTY }

    @Test
    void eightClientsOfAThousandRequestsWhileTheGuestExecsAndCrashes() throws Exception {
        MachineOptions o = MachineOptions.builder().layout(new MachineLayout(256L << 20, 64L << 20, 64L << 20, 1))
                .dumpDirectory(dir).dumpFormat(DumpFormat.parse("kdump-zstd")).crashOnPanic(false).build();
        Path socket = dir.resolve("api/api.sock");
        String kernel = GuestAssets.cloudKernel().toString();
        try (Machine m = Machine.start(o); ApiServer server = ApiServer.start(m, socket, false)) {
            // The images a slot can hold, each loaded once alone: its whole description, by digest.
            Map<String, JsonNode> whole = new HashMap<>();
            Map<String, String> bodies = new HashMap<>();
            for (String slot : List.of("default", "crash")) {
                for (String variant : List.of("A", "B")) {
                    String body = "{\"kernel\":\"" + kernel + "\",\"busybox\":false,\"append\":\"console=ttyS0 jkexec.variant=" + variant + "\"}";
                    bodies.put(slot + variant, body);
                    String r = RawHttp.request(socket, "PUT", "/kexec/images/" + slot, body);
                    assertThat(RawHttp.status(r)).as(r).isEqualTo(200);
                    JsonNode image = ApiJson.JSON.readTree(RawHttp.body(r));
                    assertThat(whole.put(image.path("sha256").asText(), image)).as("two variants, two digests").isNull();
                }
            }
            assertThat(whole).hasSize(4);
            for (String slot : List.of("default", "crash")) { // the history starts with both slots empty
                assertThat(RawHttp.status(RawHttp.request(socket, "DELETE", "/kexec/images/" + slot, (String) null))).isEqualTo(204);
            }
            String crashRange = RawHttp.body(RawHttp.request(socket, "GET", "/kexec/ranges/crash", (String) null));

            List<Op> history = Collections.synchronizedList(new ArrayList<>());
            Map<String, Integer> counts = new ConcurrentHashMap<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Semaphore served = new Semaphore(0); // a permit per client request served
            CountDownLatch go = new CountDownLatch(1);
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS + 1);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                long seed = 0x12c0 + c;
                clients.add(pool.submit(() -> {
                    go.await();
                    Random rnd = new Random(seed);
                    for (int i = 0; i < REQUESTS; i++) {
                        String slot = rnd.nextBoolean() ? "default" : "crash";
                        int pick = rnd.nextInt(100);
                        long start = System.nanoTime();
                        if (pick < 35) {
                            JsonNode image = read(socket, "GET", "/kexec/images/" + slot, whole);
                            history.add(new Op(slot, Kind.READ, start, System.nanoTime(), value(image)));
                            counts.merge("get image", 1, Integer::sum);
                        } else if (pick < 65) {
                            JsonNode status = read(socket, "GET", "/machine", null);
                            long end = System.nanoTime();
                            for (String s : List.of("default", "crash")) {
                                JsonNode image = status.path("images").path(s);
                                checkWhole(image, whole);
                                history.add(new Op(s, Kind.READ, start, end, value(image)));
                            }
                            counts.merge("status", 1, Integer::sum);
                        } else if (pick < 80) {
                            String r = RawHttp.request(socket, "GET", "/kexec/ranges/crash", (String) null);
                            assertThat(RawHttp.status(r)).as(r).isEqualTo(200);
                            assertThat(RawHttp.body(r)).isEqualTo(crashRange);
                            counts.merge("get range", 1, Integer::sum);
                        } else if (pick < 92) {
                            String r = RawHttp.request(socket, "PUT", "/kexec/images/" + slot, bodies.get(slot + (rnd.nextBoolean() ? "A" : "B")));
                            long end = System.nanoTime();
                            int status = RawHttp.status(r);
                            assertThat(status).as(r).isIn(200, 409); // 409: EBUSY, the crash slot frozen under a running crash kernel
                            if (status == 200) {
                                JsonNode image = ApiJson.JSON.readTree(RawHttp.body(r));
                                checkWhole(image, whole);
                                history.add(new Op(slot, Kind.WRITE, start, end, value(image)));
                            }
                            counts.merge("load " + status, 1, Integer::sum);
                        } else {
                            String r = RawHttp.request(socket, "DELETE", "/kexec/images/" + slot, (String) null);
                            long end = System.nanoTime();
                            int status = RawHttp.status(r);
                            assertThat(status).as(r).isIn(204, 409);
                            if (status == 204) {
                                history.add(new Op(slot, Kind.WRITE, start, end, EMPTY));
                            }
                            counts.merge("unload " + status, 1, Integer::sum);
                        }
                        served.release(); // one more request beside the guest's actions
                    }
                    return null;
                }));
            }
            // The ninth client: the guest is executed (the default image, when there is one) and
            // crashed (into the crash kernel when there is one, else a host-side dump), over and over.
            Future<?> guest = pool.submit(() -> {
                go.await();
                while (running.get()) {
                    long start = System.nanoTime();
                    String r = RawHttp.request(socket, "PUT", "/actions", "{\"action\":\"exec\",\"type\":\"default\"}");
                    assertThat(RawHttp.status(r)).as(r).isIn(200, 400); // 400: ENOENT, the default slot empty just now
                    if (RawHttp.status(r) == 200) {
                        // a default exec empties a frozen crash slot (the crash kernel is gone with its machine)
                        history.add(new Op("crash", Kind.MAYBE_EMPTY, start, System.nanoTime(), EMPTY));
                    }
                    counts.merge("exec " + RawHttp.status(r), 1, Integer::sum);
                    awaitRequests(served, running);
                    r = RawHttp.request(socket, "PUT", "/actions", "{\"action\":\"crash\"}");
                    assertThat(RawHttp.status(r)).as(r).isEqualTo(200);
                    counts.merge("crash " + ApiJson.JSON.readTree(RawHttp.body(r)).path("outcome").asText(), 1, Integer::sum);
                    awaitRequests(served, running);
                }
                return null;
            });
            go.countDown();
            try {
                for (Future<?> f : clients) {
                    f.get();
                }
            } finally {
                running.set(false);
                guest.get();
                pool.shutdownNow();
            }
            System.out.println("ApiConcurrencyTest: " + new java.util.TreeMap<>(counts) + ", " + history.size() + " slot operations");
            assertThat(counts.keySet()).as("the guest was executed and crashed meanwhile").anyMatch(k -> k.startsWith("exec 200"))
                    .anyMatch(k -> k.startsWith("crash "));
            for (String slot : List.of("default", "crash")) {
                List<String> violations = violations(history.stream().filter(op -> op.slot().equals(slot)).toList());
                assertThat(violations).as(slot + " slot").isEmpty();
            }
            assertThat(m.qemu().isAlive()).isTrue();
        }
    }

    /** A GET's body, checked whole. */
    private static JsonNode read(Path socket, String method, String path, Map<String, JsonNode> whole) throws Exception {
        String r = RawHttp.request(socket, method, path, (String) null);
        assertThat(RawHttp.status(r)).as(r).isEqualTo(200);
        JsonNode body = ApiJson.JSON.readTree(RawHttp.body(r));
        if (whole != null) {
            checkWhole(body, whole);
        }
        return body;
    }

    /** An image shown is empty, or exactly one image that was loaded whole. */
    private static void checkWhole(JsonNode image, Map<String, JsonNode> whole) {
        if (!image.path("loaded").asBoolean()) {
            assertThat(image.has("sha256")).as(image.toString()).isFalse();
            return;
        }
        JsonNode expected = whole.get(image.path("sha256").asText());
        assertThat(expected).as("a digest no load produced: " + image).isNotNull();
        assertThat(image).as("torn image").isEqualTo(expected);
    }

    private static String value(JsonNode image) {
        return image.path("loaded").asBoolean() ? image.path("sha256").asText() : EMPTY;
    }

    /**
     * The reads of one slot that no linearization of its history can explain: read from the future
     * (no write of the value began before the read ended), or stale (a write of another value ran
     * wholly between the latest-ending write of the value and the read). The slot starts empty.
     */
    static List<String> violations(List<Op> ops) {
        List<Op> writes = new ArrayList<>();
        writes.add(new Op(null, Kind.WRITE, Long.MIN_VALUE, Long.MIN_VALUE, EMPTY));
        ops.stream().filter(o -> o.kind() != Kind.READ).forEach(writes::add);
        List<String> out = new ArrayList<>();
        for (Op r : ops) {
            if (r.kind() != Kind.READ) {
                continue;
            }
            Op latest = null;
            for (Op w : writes) {
                if (w.value().equals(r.value()) && w.start() < r.end() && (latest == null || w.end() > latest.end())) {
                    latest = w;
                }
            }
            if (latest == null) {
                out.add("read " + r + ": no write of that value began before the read ended");
                continue;
            }
            for (Op x : writes) {
                // only a definite write overwrites: an exec may leave the crash slot as it was
                if (x.kind() == Kind.WRITE && !x.value().equals(r.value()) && x.start() > latest.end() && x.end() < r.start()) {
                    out.add("stale read " + r + ": " + x + " overwrote " + latest + " before the read began");
                    break;
                }
            }
        }
        return out;
    }

    /** Requests the clients serve between two of the guest's actions, so that each action has traffic around it. */
    private static final int REQUESTS_PER_ACTION = 50;

    /** Waits until the clients have served {@link #REQUESTS_PER_ACTION} more requests, or have all finished. */
    private static void awaitRequests(Semaphore served, AtomicBoolean running) throws InterruptedException {
        while (running.get() && !served.tryAcquire(REQUESTS_PER_ACTION, 1, TimeUnit.SECONDS)) {
            // the clients are done when running turns false; until then, wait for their progress
        }
    }
}
