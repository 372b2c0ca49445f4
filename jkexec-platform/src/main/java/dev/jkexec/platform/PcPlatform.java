package dev.jkexec.platform;

/**
 * The guest-physical facts of every PC, which jkexec does not choose: the legacy window below
 * 1 MiB, the 4 GiB boundary, the reset vector and the interrupt controllers. What jkexec chooses
 * for its own machine (crash region, hidden pages, staging, the ROM, the mailbox page) is in
 * {@code dev.jkexec.machine.layout.MachineLayout}; no other file holds a guest-physical address.
 *
 * <pre>
 *  0x0000_0000 ─ 0x0009_FFFF   conventional memory (640 KiB)
 *  0x000A_0000 ─ 0x000F_FFFF   the legacy window: VGA RAM, option ROMs, the BIOS (on QEMU's pc
 *                              machine shadowed, so never data; the BIOS area from 0xF0000 aliases
 *                              the top of the firmware ROM)
 *  0x0010_0000                 1 MiB: where protected-mode kernels load and high memory starts
 *  0xFEC0_0000                 the I/O APIC (i440FX)
 *  0xFEE0_0000                 the local APIC of each CPU
 *  0xFFFF_FFF0                 the reset vector
 *  0x1_0000_0000               4 GiB: the end of 32-bit physical addressing
 * </pre>
 */
public final class PcPlatform {
    /** End of conventional memory (640 KiB) and start of the legacy window. */
    public static final long LOW_RAM_END = 0xA0000;
    /** Start of the legacy window (VGA RAM, option ROMs, BIOS): nothing may be loaded here. */
    public static final long LEGACY_WINDOW_START = LOW_RAM_END;
    /** Where the BIOS area starts in the legacy window; on QEMU it aliases the top of the ROM. */
    public static final long BIOS_AREA_START = 0xF0000;
    /** 1 MiB: the end of the legacy window, the start of high memory. */
    public static final long ONE_MIB = 0x100000;
    /** End of the legacy window. */
    public static final long LEGACY_WINDOW_END = ONE_MIB;
    /** 4 GiB: the end of what a 32-bit protected-mode CPU with paging off can address. */
    public static final long FOUR_GIB = 1L << 32;
    /** Where a CPU starts after reset (CS base 0xFFFF0000, IP 0xFFF0). */
    public static final long RESET_VECTOR = 0xFFFF_FFF0L;
    /** The local APIC of each CPU (each sees its own at this address). */
    public static final long LOCAL_APIC = 0xFEE0_0000L;
    /** The I/O APIC of QEMU's i440FX {@code pc} machine. */
    public static final long IO_APIC = 0xFEC0_0000L;
    /** The HPET of QEMU's {@code pc} machine ({@code hpet=on}, its default): fixed MMIO, no firmware set-up. */
    public static final long HPET = 0xFED0_0000L;

    private PcPlatform() {
    }

    /** Whether {@code [start, start+length)} touches the legacy window 0xA0000–0xFFFFF. */
    public static boolean touchesLegacyWindow(long start, long length) {
        return length > 0 && start < LEGACY_WINDOW_END && start + length > LEGACY_WINDOW_START;
    }
}
