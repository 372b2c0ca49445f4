package dev.jkexec.platform;

/**
 * Base of every error jkexec reports about its input or its machine.
 *
 * <p>The message is one line that names what failed and the value that made it fail
 * ({@code "setup_header.boot_flag: actual 0x0000 != expected 0xaa55"}); the command line prints
 * exactly that line and exits non-zero, never a stack trace. Subclasses carry the structured
 * cause (field, value, errno) so tests assert on fields, not on message text.
 *
 * <p>The one line is enforced here: messages quote untrusted text (a scenario's keys and values,
 * a QMP event's name, a path), so every control character in a message is written as
 * {@code \xNN} (fuzzing findings: rejections over several lines).
 *
 * <p>Programming errors inside jkexec are not {@code JkexecException}s: they are
 * {@link IllegalArgumentException}, {@link IllegalStateException} or {@link AssertionError}.
 */
public class JkexecException extends RuntimeException {
    public JkexecException(String message) {
        super(oneLine(message));
    }

    public JkexecException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@code text} with every control character (line breaks, tabs, NUL, DEL, C1) written as {@code \xNN}. */
    public static String oneLine(String text) {
        if (text == null || text.chars().noneMatch(JkexecException::control)) {
            return text;
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        text.chars().forEach(c -> {
            if (control(c)) {
                b.append(String.format("\\x%02x", c));
            } else {
                b.append((char) c);
            }
        });
        return b.toString();
    }

    private static boolean control(int c) {
        return c < 0x20 || (c >= 0x7f && c < 0xa0);
    }
}
