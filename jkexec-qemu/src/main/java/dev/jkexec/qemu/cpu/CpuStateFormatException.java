package dev.jkexec.qemu.cpu;

import dev.jkexec.qemu.common.MachineException;

/**
 * An {@code info registers} dump could not be read. Names the line (1-based) and quotes it.
 * Line 0 means the dump as a whole (for example, no {@code CPU#} header at all).
 */
public final class CpuStateFormatException extends MachineException {
    private final int line;

    public CpuStateFormatException(int line, String problem) {
        super("info registers" + (line > 0 ? ", line " + line : "") + ": " + problem);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
