package dev.jkexec.qemu.console;

import java.time.Duration;

/**
 * One line the guest printed on its serial port.
 *
 * @param index      position in the console's output, from 0
 * @param sinceStart time from machine start to the line's end arriving (monotonic clock)
 * @param text       the line without its terminator and without carriage returns
 */
public record ConsoleLine(long index, Duration sinceStart, String text) {
    @Override
    public String toString() {
        return String.format("[%4d.%03d] %s", sinceStart.toSeconds(), sinceStart.toMillisPart(), text);
    }
}
