package dev.jkexec.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The answer to {@code query-status}.
 *
 * @param state   the run state
 * @param running whether vCPUs are executing (QEMU's own flag; {@code state == RUNNING} in practice)
 */
public record QmpStatus(RunState state, boolean running) {
    /** Reads a {@code query-status} reply: a string {@code status} (a known run state) and a boolean {@code running}. */
    static QmpStatus of(JsonNode r) {
        JsonNode status = r.get("status");
        JsonNode running = r.get("running");
        if (status == null || !status.isTextual() || running == null || !running.isBoolean()) {
            throw new QmpProtocolException("query-status reply lacks a string 'status' or a boolean 'running': "
                    + QmpJson.quote(r.toString()));
        }
        return new QmpStatus(RunState.ofQapiName(status.textValue()), running.booleanValue());
    }
}
