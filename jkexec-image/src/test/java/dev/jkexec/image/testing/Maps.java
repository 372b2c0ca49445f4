package dev.jkexec.image.testing;

import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PcPlatform;
import java.util.List;

/**
 * Memory maps for tests. {@link #guest(long)} is the map a jkexec guest of that size is told, with
 * the default crash region and staging: RAM below the mailbox page and from 1 MiB to the guest
 * size, the mailbox page and the BIOS area reserved, then the crash region, hidden pages, staging
 * and the hypercall window as one reserved range, and the firmware ROM. This module cannot see the machine's
 * {@code MachineLayout}; jkexec-machine's {@code MachineLayoutTest} checks that the two agree.
 */
public final class Maps {
    public static final long MIB = 1L << 20;
    public static final long CRASH_SIZE = 256 * MIB;
    /** The machine's mailbox page (MachineLayout.MAILBOX). */
    public static final long MAILBOX = 0x9F000;
    /** Hidden pages, staging and the hypercall window of the default machine. */
    private static final long HIDDEN_STAGING_AND_WINDOW = 2 * MIB + 256 * MIB + 96 * MIB;
    /** The firmware ROM: the last 64 KiB below 4 GiB. */
    private static final long ROM_SIZE = 0x10000;

    private Maps() {
    }

    public static MemoryMap guest(long ram) {
        return MemoryMap.of(
                new MemoryRange(0, MAILBOX, E820Type.RAM),
                new MemoryRange(MAILBOX, PcPlatform.LOW_RAM_END - MAILBOX, E820Type.RESERVED),
                new MemoryRange(PcPlatform.BIOS_AREA_START, PcPlatform.ONE_MIB - PcPlatform.BIOS_AREA_START, E820Type.RESERVED),
                new MemoryRange(PcPlatform.ONE_MIB, ram - PcPlatform.ONE_MIB, E820Type.RAM),
                new MemoryRange(ram, CRASH_SIZE + HIDDEN_STAGING_AND_WINDOW, E820Type.RESERVED),
                new MemoryRange(PcPlatform.FOUR_GIB - ROM_SIZE, ROM_SIZE, E820Type.RESERVED));
    }

    public static MemoryMap guest1G() {
        return guest(1L << 30);
    }

    /**
     * What a guest of {@code ram} bytes can write, as the machine's toolstack hands it to crash
     * images and dumps ({@code MachineLayout.guestRamRanges()}): all of conventional memory, the
     * mailbox page included, and the RAM from 1 MiB.
     */
    public static List<MemoryRange> oldRam(long ram) {
        return List.of(new MemoryRange(0, PcPlatform.LOW_RAM_END, E820Type.RAM),
                new MemoryRange(PcPlatform.ONE_MIB, ram - PcPlatform.ONE_MIB, E820Type.RAM));
    }

    /** The crash region of {@link #guest}: right above guest RAM. */
    public static MemoryRange crashRegion(long ram) {
        return new MemoryRange(ram, CRASH_SIZE, E820Type.RESERVED);
    }
}
