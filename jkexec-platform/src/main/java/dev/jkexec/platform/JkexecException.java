package dev.jkexec.platform;

/**
 * Base of every error jkexec reports about its input or its machine.
 *
 * <p>The message is one line that names what failed and the value that made it fail
 * ({@code "setup_header.boot_flag: actual 0x0000 != expected 0xaa55"}); the command line prints
 * exactly that line and exits non-zero, never a stack trace. Subclasses carry the structured
 * cause (field, value, errno) so tests assert on fields, not on message text.
 *
 * <p>Programming errors inside jkexec are not {@code JkexecException}s: they are
 * {@link IllegalArgumentException}, {@link IllegalStateException} or {@link AssertionError}.
 */
public class JkexecException extends RuntimeException {
    public JkexecException(String message) {
        super(message);
    }

    public JkexecException(String message, Throwable cause) {
        super(message, cause);
    }
}
