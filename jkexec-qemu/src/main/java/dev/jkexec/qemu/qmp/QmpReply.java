package dev.jkexec.qemu.qmp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jkexec.qemu.common.MachineException;

/**
 * What a pending QMP call is completed with, by the reader ({@link QmpInbox}); the exception for
 * the caller is built later, on the caller's thread, by {@link #value}.
 */
sealed interface QmpReply {
    record Ok(JsonNode value) implements QmpReply {}

    record Error(String errorClass, String description) implements QmpReply {}

    record Malformed(String problem) implements QmpReply {}

    record Failed(MachineException cause) implements QmpReply {}

    /**
     * The {@code return} value of a call to {@code command}, or the exception its caller gets: a
     * {@link QmpException} for QEMU's error, a {@link QmpProtocolException} for a malformed reply,
     * the connection's failure (rethrown by {@code rethrow}, which gives it this call's context).
     */
    default JsonNode value(String command, java.util.function.BiFunction<String, MachineException, MachineException> rethrow) {
        // instanceof, not a pattern switch: the switch's bootstrap (SwitchBootstraps.typeSwitch spins a
        // class at every JVM start; the AOT cache does not keep it) ran at the first QMP reply, on the
        // way to QEMU's handshake (docs/boot-profile.md, branch cliwindow).
        if (this instanceof Ok ok) {
            return ok.value();
        }
        if (this instanceof Error err) {
            throw new QmpException(command, err.errorClass(), err.description());
        }
        if (this instanceof Malformed bad) {
            throw new QmpProtocolException("reply to " + command + ": " + bad.problem());
        }
        throw rethrow.apply(command, ((Failed) this).cause());
    }

    /** The reply in a {@code {"error": ...}} message. */
    static QmpReply ofError(JsonNode error) {
        JsonNode cls = error.get("class");
        JsonNode desc = error.get("desc");
        if (!error.isObject() || cls == null || !cls.isTextual() || desc == null || !desc.isTextual()) {
            return new Malformed("error without a string class and desc: " + QmpJson.quote(error.toString()));
        }
        return new Error(cls.textValue(), desc.textValue());
    }
}
