package dev.jkexec.qemu.console;

import java.nio.file.Path;
import java.util.Optional;

/**
 * @param historyLines lines kept for {@link SerialConsole#awaitLine} and {@link SerialConsole#lines()}
 * @param maxLineBytes a longer line is cut into pieces of this size
 * @param logFile      if present, every byte from the guest is appended there as received ({@code --console-log})
 */
public record ConsoleOptions(int historyLines, int maxLineBytes, Optional<Path> logFile) {
    public ConsoleOptions {
        if (historyLines < 1 || maxLineBytes < 80) {
            throw new IllegalArgumentException("history " + historyLines + " or line limit " + maxLineBytes + " too small");
        }
    }

    /** 10,000 lines of history, 64 KiB lines, no log file. */
    public static ConsoleOptions defaults() {
        return new ConsoleOptions(10_000, 64 << 10, Optional.empty());
    }

    public ConsoleOptions withLogFile(Optional<Path> file) {
        return new ConsoleOptions(historyLines, maxLineBytes, file);
    }

    public ConsoleOptions withHistoryLines(int n) {
        return new ConsoleOptions(n, maxLineBytes, logFile);
    }
}
