package dev.jkexec.qemu.qmp;

import dev.jkexec.qemu.common.MachineException;

/**
 * QEMU (or whatever is on the socket) broke the protocol: malformed JSON, a line longer than the
 * limit, nesting deeper than the limit, a message of unexpected shape. {@link #problem()} says what
 * was wrong. A violation that makes further messages unroutable closes the connection; one
 * confined to a single reply fails only that call.
 */
public final class QmpProtocolException extends MachineException {
    private final String problem;

    public QmpProtocolException(String problem) {
        this(problem, null);
    }

    public QmpProtocolException(String problem, Throwable cause) {
        super("QMP protocol violation: " + problem, cause);
        this.problem = problem;
    }

    /** What was wrong, without the prefix. */
    public String problem() {
        return problem;
    }
}
