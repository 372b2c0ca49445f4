package dev.jkexec.core.crash;

import dev.jkexec.core.MachineLayout;
import dev.jkexec.core.PhysicalMemory;
import java.nio.charset.StandardCharsets;

/**
 * The hint a guest may leave at {@link MachineLayout#VMCOREINFO_HINT}: the line
 * {@code JKEXEC-VMCOREINFO:0x<hex addr> <hex size>} (the text of {@code /sys/kernel/vmcoreinfo}).
 * Anything else there reads as no hint; an address is only a place to look first.
 */
public final class VmcoreInfoHint {
    public static final String PREFIX = "JKEXEC-VMCOREINFO:";
    static final int MAX = 64;

    private VmcoreInfoHint() {
    }

    /** The hinted address, or -1. */
    public static long read(PhysicalMemory memory) {
        if (!memory.contains(MachineLayout.VMCOREINFO_HINT, MAX)) {
            return -1;
        }
        return parse(memory.read(MachineLayout.VMCOREINFO_HINT, MAX));
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
