package dev.jkexec.bench.e2e;

/** One run did not reach the line it waits for; the run is reported as failed and its log kept. */
public final class RunFailedException extends RuntimeException {
    public RunFailedException(String message) {
        super(message);
    }
}
