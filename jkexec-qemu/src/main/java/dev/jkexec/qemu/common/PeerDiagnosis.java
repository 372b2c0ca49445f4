package dev.jkexec.qemu.common;

/**
 * What became of the process at the other end of a socket, for errors raised when that socket
 * closes: the QMP client and the serial console know only that their connection ended; the owner
 * of the QEMU process supplies this to say why.
 *
 * @param summary    one line, for example {@code "qemu-system-x86_64 (pid 1234) was killed by SIGKILL"}
 * @param qemuOutput the tail of QEMU's output, possibly empty
 */
public record PeerDiagnosis(String summary, String qemuOutput) {
    public PeerDiagnosis {
        summary = summary == null ? "" : summary;
        qemuOutput = qemuOutput == null ? "" : qemuOutput;
    }

    /** For connections whose peer is not a process jkexec owns (tests against fake servers). */
    public static PeerDiagnosis unknown() {
        return new PeerDiagnosis("the peer closed the connection", "");
    }

    /** The last non-blank line of {@link #qemuOutput()}, or empty. */
    public String lastOutputLine() {
        return lastLineOf(qemuOutput);
    }

    /** {@code summary}, plus QEMU's last output line when there is one. */
    public String describe() {
        String last = lastOutputLine();
        return last.isEmpty() ? summary : summary + ": " + last;
    }

    /** The last non-blank line of {@code text}, stripped; empty if there is none. */
    public static String lastLineOf(String text) {
        String[] lines = text.strip().split("\\R");
        for (int i = lines.length - 1; i >= 0; i--) {
            if (!lines[i].isBlank()) {
                return lines[i].strip();
            }
        }
        return "";
    }
}
