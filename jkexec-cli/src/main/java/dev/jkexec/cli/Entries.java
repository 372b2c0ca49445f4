package dev.jkexec.cli;

/** The entry modes the command line accepts. */
final class Entries {
    private Entries() {
    }

    /** Refuses anything but 64, 32 and 16, naming the option. */
    static void check(String option, int entry) {
        if (entry != 64 && entry != 32 && entry != 16) {
            throw new UsageException(option + ": " + entry + " is none of 64 (long mode), 32 (protected mode), 16 (real mode)");
        }
    }
}
