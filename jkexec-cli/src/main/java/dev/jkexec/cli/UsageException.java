package dev.jkexec.cli;

import dev.jkexec.platform.JkexecException;

/**
 * A usage error found once the command line is parsed: options that are each valid but do not go
 * together ({@code --ram 3G --crash-size 1G}), or a value a command checks itself. Exit status 2,
 * as picocli's own usage errors, one line naming the options.
 */
final class UsageException extends JkexecException {
    UsageException(String message) {
        super(message);
    }
}
