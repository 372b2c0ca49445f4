package dev.jkexec.image.testing;

import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;

/**
 * Memory maps for tests. {@link #guest(long)} is the map a jkexec guest is told (the same ranges as
 * {@code MachineLayout.guestMemoryMap()} in jkexec-core, which this module cannot depend on):
 * RAM below 640 KiB and from 1 MiB to the guest size, the ROM alias, then the crash region,
 * hidden pages and staging as one reserved range, and the firmware ROM.
 */
public final class Maps {
    public static final long MIB = 1L << 20;
    public static final long CRASH_SIZE = 256 * MIB;

    private Maps() {
    }

    public static MemoryMap guest(long ram) {
        return MemoryMap.of(
                new MemoryRange(0, 0xA0000, E820Type.RAM),
                new MemoryRange(0xF0000, 0x10000, E820Type.RESERVED),
                new MemoryRange(0x100000, ram - 0x100000, E820Type.RAM),
                new MemoryRange(ram, CRASH_SIZE + 2 * MIB + 256 * MIB, E820Type.RESERVED),
                new MemoryRange(0xFFFF0000L, 0x10000, E820Type.RESERVED));
    }

    public static MemoryMap guest1G() {
        return guest(1L << 30);
    }

    /** The crash region of {@link #guest}: right above guest RAM. */
    public static MemoryRange crashRegion(long ram) {
        return new MemoryRange(ram, CRASH_SIZE, E820Type.RESERVED);
    }
}
