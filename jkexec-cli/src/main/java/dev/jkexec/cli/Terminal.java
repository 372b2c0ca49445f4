package dev.jkexec.cli;

import java.io.IOException;

/**
 * The controlling terminal in raw mode for the interactive console, restored on close (also on
 * Ctrl-C: the restore is registered as a shutdown hook). Uses {@code stty} on {@code /dev/tty}.
 */
final class Terminal implements AutoCloseable {
    private final String saved;
    private final Thread hook;

    private Terminal(String saved) {
        this.saved = saved;
        this.hook = new Thread(this::restore, "terminal-restore");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Whether standard input is a terminal we can take over. */
    static boolean interactive() {
        return System.console() != null && System.console().isTerminal();
    }

    static Terminal raw() {
        String saved = stty("-g").trim();
        stty("raw", "-echo");
        return new Terminal(saved);
    }

    private void restore() {
        stty(saved);
    }

    private static String stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    @Override
    public void close() {
        restore();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // shutting down already: the hook restores
        }
    }
}
