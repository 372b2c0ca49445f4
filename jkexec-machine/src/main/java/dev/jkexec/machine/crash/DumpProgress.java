package dev.jkexec.machine.crash;

/** Told how far a dump has got, in bytes of guest RAM (a progress bar on a terminal, say). */
@FunctionalInterface
public interface DumpProgress {
    DumpProgress NONE = (done, total) -> { };

    void advance(long done, long total);
}
