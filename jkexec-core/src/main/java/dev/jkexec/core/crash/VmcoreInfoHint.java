package dev.jkexec.core.crash;

import dev.jkexec.platform.PhysicalMemory;
import java.nio.charset.StandardCharsets;

/**
 * The hint a guest may leave in its machine's mailbox page (where: {@code MachineLayout.VMCOREINFO_HINT},
 * passed in by the machine): the line {@code JKEXEC-VMCOREINFO:0x<hex addr> <hex size>} (the text
 * of {@code /sys/kernel/vmcoreinfo}). Anything else there reads as no hint; an address is only a
 * place to look first.
 */
public final class VmcoreInfoHint {
    public static final String PREFIX = "JKEXEC-VMCOREINFO:";
    /** Bytes of the hint's slot that are read (and cleared when a new kernel is entered). */
    public static final int MAX = 64;

    private VmcoreInfoHint() {
    }

    /** The address hinted at guest-physical {@code at}, or -1. */
    public static long read(PhysicalMemory memory, long at) {
        if (!memory.contains(at, MAX)) {
            return -1;
        }
        return parse(memory.read(at, MAX));
    }

    static long parse(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.US_ASCII);
        if (!s.startsWith(PREFIX)) {
            return -1;
        }
        String rest = s.substring(PREFIX.length());
        if (rest.startsWith("0x")) {
            rest = rest.substring(2); // Linux prints it with %pa: 0x and 16 digits
        }
        int end = 0;
        while (end < rest.length() && Character.digit(rest.charAt(end), 16) >= 0) {
            end++;
        }
        if (end == 0 || end > 16) {
            return -1;
        }
        return Long.parseUnsignedLong(rest.substring(0, end), 16);
    }
}
