package dev.jkexec.core.kexec;

import java.lang.foreign.MemorySegment;

/**
 * Where the bytes of an image's buffered segments come from. Asked only after every rule of
 * {@link ImageRules} passed, and before anything is written (so a bad pointer fails the load with
 * nothing changed).
 *
 * <p>A toolstack image answers with its segment buffers; the binary ABI with bounds-checked views
 * of guest memory; the v1 shim with the guest's source pages gathered into one buffer.
 */
@FunctionalInterface
public interface SegmentBuffers {
    /**
     * The buffer of buffered segment {@code index}: exactly its {@code buf_size} bytes. Only read
     * from, during the load.
     *
     * @throws dev.jkexec.core.KexecException -EFAULT when the bytes cannot be read
     */
    MemorySegment buffer(int index);
}
