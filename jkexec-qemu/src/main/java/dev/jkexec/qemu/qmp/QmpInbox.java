package dev.jkexec.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * What the QMP reader does with each line QEMU sends (one JSON message): the greeting first, then
 * events (recorded in {@link QmpEvents}) and replies (completing the pending call with the same
 * {@code id}). QEMU's bytes are untrusted: a line that is not a JSON object, a reply that cannot be
 * routed (no numeric {@code id}, an id never issued) or a malformed event is a
 * {@link QmpProtocolException}, after which {@link QmpClient} closes the connection; a reply of
 * the wrong shape completes only its own call, as {@link QmpReply.Malformed}. Owned by the reader
 * thread; no socket or thread of its own, so the fuzz target drives it directly.
 */
final class QmpInbox {
    private final QmpJson json;
    private final QmpEvents events;
    private final CompletableFuture<ObjectNode> greeting;
    private final Map<Long, CompletableFuture<QmpReply>> pending;
    private final LongSupplier nextId;

    /**
     * @param nextId the id the next call will get: replies to smaller positive ids that are no
     *               longer pending are late replies to calls that timed out, and are dropped
     */
    QmpInbox(QmpJson json, QmpEvents events, CompletableFuture<ObjectNode> greeting,
             Map<Long, CompletableFuture<QmpReply>> pending, LongSupplier nextId) {
        this.json = json;
        this.events = events;
        this.greeting = greeting;
        this.pending = pending;
        this.nextId = nextId;
    }

    /** Handles one line (without its newline); blank lines are skipped. */
    void accept(byte[] line) {
        if (line.length == 0 || isBlank(line)) {
            return;
        }
        dispatch(json.parse(line));
    }

    private void dispatch(ObjectNode message) {
        if (!greeting.isDone()) {
            JsonNode qmp = message.get("QMP");
            if (qmp == null || !qmp.isObject()) {
                throw new QmpProtocolException("expected the greeting {\"QMP\": {...}} first, got " + QmpJson.quote(message.toString()));
            }
            greeting.complete((ObjectNode) qmp);
            return;
        }
        if (message.has("event")) {
            events.record(message);
            return;
        }
        boolean isReturn = message.has("return");
        if (!isReturn && !message.has("error")) {
            throw new QmpProtocolException("message with neither return, error nor event: " + QmpJson.quote(message.toString()));
        }
        JsonNode idNode = message.get("id");
        if (idNode == null || !idNode.isIntegralNumber() || !idNode.canConvertToLong()) {
            throw new QmpProtocolException("reply without our numeric id: " + QmpJson.quote(message.toString()));
        }
        long id = idNode.longValue();
        CompletableFuture<QmpReply> reply = pending.remove(id);
        if (reply == null) {
            if (id > 0 && id < nextId.getAsLong()) {
                return; // A late reply to a call that timed out.
            }
            throw new QmpProtocolException("reply to id " + id + ", which was never sent");
        }
        reply.complete(isReturn ? new QmpReply.Ok(message.get("return")) : QmpReply.ofError(message.get("error")));
    }

    private static boolean isBlank(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
