package dev.jkexec.machine.guest;

import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.qemu.console.SerialConsole;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a command in the busybox guest's shell on the serial console and reads back what it
 * printed and its exit status. The command is followed by an {@code echo} of a marker the echo of
 * the typed line cannot match ({@code $((1+1))} is only 2 once the shell ran it). Busybox's shell
 * reads lines of up to 1 KiB: longer commands are refused here.
 */
public final class GuestShell {
    public static final int MAX_LINE = 1000;
    private static final Pattern DONE = Pattern.compile("@@rc (\\d+) @@2");

    /** What a command printed (its lines, the echo of the typed line left out) and its exit status. */
    public record Result(int status, String output) {
    }

    private GuestShell() {
    }

    /** Types {@code command} on {@code console} (the guest's shell) and waits up to {@code timeout} for it to finish. */
    public static Result run(SerialConsole console, String command, Duration timeout) {
        String line = command + "; echo \"@@rc $? @@$((1+1))\"";
        if (line.length() > MAX_LINE || command.contains("\n")) {
            throw new IllegalArgumentException("a guest command is one line of at most " + (MAX_LINE - 30) + " characters");
        }
        long from = console.mark();
        console.send((line + "\n").getBytes(StandardCharsets.US_ASCII));
        ConsoleLine done = console.awaitLine(DONE, timeout, from);
        Matcher matcher = DONE.matcher(done.text());
        matcher.find();
        StringBuilder out = new StringBuilder();
        for (ConsoleLine l : console.lines()) {
            if (l.index() >= from && l.index() < done.index() && !l.text().contains("@@rc $?")) {
                out.append(l.text()).append('\n');
            }
        }
        return new Result(Integer.parseInt(matcher.group(1)), out.toString());
    }
}
