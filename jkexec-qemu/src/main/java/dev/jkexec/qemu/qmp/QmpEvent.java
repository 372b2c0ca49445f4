package dev.jkexec.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * An asynchronous QMP event. The ones jkexec acts on have their own records; every other event is
 * an {@link Other}. {@link #index()} numbers events in arrival order from 0, per connection, so a
 * caller can take a mark before an action and wait for the event that action causes
 * ({@link QmpClient#awaitEvent(Predicate, java.time.Duration, long)}). {@link #data()} is QEMU's
 * {@code data} object (empty if absent); treat it as read-only.
 */
public sealed interface QmpEvent {
    long index();

    /** QEMU's timestamp of the event. */
    Instant timestamp();

    /** QEMU's event name, e.g. {@code RESET}. */
    String name();

    JsonNode data();

    /** The vCPUs stopped ({@code stop}, a pause action, a shutdown with {@code -no-shutdown}...). */
    record Stop(long index, Instant timestamp, JsonNode data) implements QmpEvent {
        public String name() {
            return "STOP";
        }
    }

    /** The vCPUs resumed ({@code cont}). */
    record Resume(long index, Instant timestamp, JsonNode data) implements QmpEvent {
        public String name() {
            return "RESUME";
        }
    }

    /**
     * The machine was reset. {@code guest} is true when the guest asked (a reboot, a triple fault:
     * reason {@code guest-reset}); false for {@code system_reset} (reason {@code host-qmp-system-reset}).
     */
    record Reset(long index, Instant timestamp, JsonNode data, boolean guest, String reason) implements QmpEvent {
        public String name() {
            return "RESET";
        }
    }

    /** QEMU is shutting down ({@code quit}: guest false, reason {@code host-qmp-quit}) or the guest powered off. */
    record Shutdown(long index, Instant timestamp, JsonNode data, boolean guest, String reason) implements QmpEvent {
        public String name() {
            return "SHUTDOWN";
        }
    }

    /** The guest reported a panic through pvpanic; {@code action} is what QEMU did ({@code pause} with our options). */
    record GuestPanicked(long index, Instant timestamp, JsonNode data, String action) implements QmpEvent {
        public String name() {
            return "GUEST_PANICKED";
        }
    }

    /** Any other event. */
    record Other(long index, Instant timestamp, String name, JsonNode data) implements QmpEvent {}

    /** Matches events called {@code name}. */
    static Predicate<QmpEvent> named(String name) {
        return e -> e.name().equals(name);
    }

    /**
     * Reads an event message ({@code {"event": ..., "timestamp": {...}, "data": {...}}}).
     *
     * @throws QmpProtocolException naming the field that is missing or of the wrong type
     */
    static QmpEvent parse(long index, ObjectNode message) {
        JsonNode nameNode = message.get("event");
        if (nameNode == null || !nameNode.isTextual()) {
            throw new QmpProtocolException("event without a string 'event' field");
        }
        String name = nameNode.asText();
        Instant timestamp = timestamp(name, message.get("timestamp"));
        JsonNode data = message.get("data");
        if (data == null) {
            data = JsonNodeFactory.instance.objectNode();
        } else if (!data.isObject()) {
            throw new QmpProtocolException(name + " event: 'data' is not an object");
        }
        return switch (name) {
            case "STOP" -> new Stop(index, timestamp, data);
            case "RESUME" -> new Resume(index, timestamp, data);
            case "RESET" -> new Reset(index, timestamp, data, bool(name, data, "guest"), text(name, data, "reason"));
            case "SHUTDOWN" -> new Shutdown(index, timestamp, data, bool(name, data, "guest"), text(name, data, "reason"));
            case "GUEST_PANICKED" -> new GuestPanicked(index, timestamp, data, text(name, data, "action"));
            default -> new Other(index, timestamp, name, data);
        };
    }

    private static Instant timestamp(String event, JsonNode ts) {
        if (ts == null || !ts.isObject()) {
            throw new QmpProtocolException(event + " event: missing 'timestamp' object");
        }
        JsonNode s = ts.get("seconds");
        JsonNode us = ts.get("microseconds");
        if (s == null || !s.canConvertToLong() || !s.isIntegralNumber() || us == null || !us.isIntegralNumber() || !us.canConvertToLong()) {
            throw new QmpProtocolException(event + " event: 'timestamp' needs integer seconds and microseconds");
        }
        long seconds = s.asLong();
        long micros = us.asLong();
        // QEMU sends -1/-1 when it has no clock; keep the event, with the epoch as its time.
        if (seconds < 0 || micros < 0 || micros >= 1_000_000) {
            return Instant.EPOCH;
        }
        try {
            return Instant.ofEpochSecond(seconds, micros * 1000);
        } catch (java.time.DateTimeException e) {
            throw new QmpProtocolException(event + " event: timestamp " + seconds + " s out of range", e);
        }
    }

    private static boolean bool(String event, JsonNode data, String field) {
        JsonNode v = data.get(field);
        if (v == null || !v.isBoolean()) {
            throw new QmpProtocolException(event + " event: data." + field + " missing or not a boolean");
        }
        return v.booleanValue();
    }

    private static String text(String event, JsonNode data, String field) {
        JsonNode v = data.get(field);
        if (v == null || !v.isTextual()) {
            throw new QmpProtocolException(event + " event: data." + field + " missing or not a string");
        }
        return v.textValue();
    }
}
