package dev.jkexec.qemu.common;

/** A registered listener; {@link #close()} removes it. Idempotent, never throws. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
