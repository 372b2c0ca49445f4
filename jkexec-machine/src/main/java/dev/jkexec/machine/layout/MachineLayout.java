package dev.jkexec.machine.layout;

import static dev.jkexec.platform.PcPlatform.BIOS_AREA_START;
import static dev.jkexec.platform.PcPlatform.FOUR_GIB;
import static dev.jkexec.platform.PcPlatform.LOW_RAM_END;
import static dev.jkexec.platform.PcPlatform.ONE_MIB;
import static dev.jkexec.platform.x86.Paging.LARGE_PAGE_SIZE;
import static dev.jkexec.platform.x86.Paging.PAGE_SIZE;

import dev.jkexec.core.handover.EntryGdt;
import dev.jkexec.core.kexec.KexecConfig;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PcPlatform;
import java.util.ArrayList;
import java.util.List;

/**
 * Every guest-physical address a jkexec machine chooses, in one place; the PC's own (legacy
 * window, 1 MiB, 4 GiB, APICs, reset vector) are in {@link PcPlatform}. No other file holds a raw
 * guest-physical address.
 *
 * <pre>
 *  0x0000_0000 ─ 0x0009_EFFF   guest RAM (conventional memory)
 *  0x0009_F000 ─ 0x0009_FFFF   the mailbox page: reserved, like a BIOS's EBDA (see {@link #MAILBOX})
 *  0x000A_0000 ─ 0x000F_FFFF   QEMU's VGA window and the ROM's alias: never data (notes: "shadowed")
 *  0x0010_0000 ─ crashBase     guest RAM (all of it, unless split: see below)
 *  crashBase   ─ +crashSize    crash region: loaded crash image, where the crash kernel runs
 *  hiddenBase  ─ +2 MiB        jkexec's own pages (offsets below): handover block, firmware stack,
 *                              entry GDTs, ACPI tables, VMCOREINFO, crash notes, identity page tables
 *  stagingBase ─ +stagingSize  staging: a default image's source pages and page list at exec
 *  hypercallWindow ─ +96 MiB   the hypercall buffer window: the guest's dom0 shim allocates
 *                              hypercall buffers here; jkexec reads them in place
 *  0xFEC0_0000, 0xFEE0_0000   QEMU's I/O APIC and local APICs (MMIO)
 *  4 GiB − 64 KiB ─ 4 GiB      firmware ROM (QEMU -bios); its last 64 KiB alias 0xF0000
 * </pre>
 *
 * <p>Everything from {@code crashBase} up to {@link #lowRamTop()} is QEMU RAM (one shared file)
 * that the guest's e820 lists as <em>reserved</em>: never usable by the guest, and never mistaken
 * by Linux for a free gap to put PCI BARs in. The guest is not told what the reserved range holds.
 *
 * <p><b>RAM above 4 GiB.</b> While {@link #totalRam()} is below {@link #MAX_LOW_RAM}, QEMU's
 * {@code pc} machine maps all of it contiguously below 4 GiB (file offset = physical address).
 * A larger machine is <em>split</em> ({@link #isSplit()}), as {@code pc_piix.c} splits it: the
 * first {@link #SPLIT_LOW_RAM} (3 GiB, the gigabyte-aligned split QEMU picks for {@code -m} ≥
 * 3.5 GiB; jkexec also passes it as {@code max-ram-below-4g}) below 4 GiB, the rest from 4 GiB:
 *
 * <pre>
 *  0x0000_0000 ─ crashBase      guest RAM (low part, with the holes above)
 *  crashBase   ─ 3 GiB          crash region, hidden pages, staging, hypercall window: below 4 GiB,
 *                               where the firmware, a crash kernel and 32-bit toolstacks reach them
 *  3 GiB       ─ 4 GiB          PCI hole, APICs, ROM: no RAM
 *  4 GiB       ─ ramEnd         guest RAM (high part), file offset = 3 GiB + (address − 4 GiB)
 * </pre>
 *
 * {@link #guestRam()} is what the guest may use in both parts together.
 *
 * @param guestRam    RAM the guest kernel may use, a multiple of 2 MiB
 * @param crashSize   size of the crash region, a multiple of 2 MiB (0: no crash region)
 * @param stagingSize size of the staging region, a multiple of 2 MiB
 * @param cpus        number of vCPUs, 1 to {@link #MAX_CPUS}
 */
public record MachineLayout(long guestRam, long crashSize, long stagingSize, int cpus) {
    /**
     * A reserved page at the top of conventional memory, where a BIOS keeps its EBDA. Linux lets
     * root write non-RAM pages below 1 MiB through {@code /dev/mem}, so a guest can leave data at
     * a known physical address there (jkexec's crash tests put their marker in it). It lies in the
     * low 640 KiB a crash kernel's purgatory backs up.
     */
    public static final long MAILBOX = 0x9F000;
    /**
     * Where in the mailbox page a guest may leave the address of its VMCOREINFO note, as the line
     * {@code JKEXEC-VMCOREINFO:<addr> <size>} copied from {@code /sys/kernel/vmcoreinfo}; jkexec
     * checks it like any note it finds by scanning.
     */
    public static final long VMCOREINFO_HINT = MAILBOX + 0x800;
    /** Size of the generated firmware ROM (QEMU wants a multiple of 64 KiB). */
    public static final long ROM_SIZE = 64 << 10;
    /** Guest-physical base of the firmware ROM: it ends at 4 GiB. */
    public static final long ROM_BASE = FOUR_GIB - ROM_SIZE;
    /**
     * QEMU's pc machine keeps RAM contiguous below 4 GiB only while {@code -m} is below this
     * (its default {@code max-ram-below-4g}, 3.5 GiB): the largest a low-only machine, or anything
     * that must fit below 4 GiB, can be.
     */
    public static final long MAX_LOW_RAM = 0xE000_0000L;
    /**
     * RAM below 4 GiB of a split machine: QEMU's pc machine aligns the split to 1 GiB once
     * {@code -m} reaches {@link #MAX_LOW_RAM} ({@code gigabyte_align}), which gives 3 GiB.
     */
    public static final long SPLIT_LOW_RAM = 0xC000_0000L;
    /**
     * Most guest RAM jkexec gives a machine: the RAM file is sparse, so the bound is what a host's
     * tmpfs lends, not what it holds; 64 GiB keeps the firmware's identity map and a kdump bitmap
     * small (checked again at start against the file system's usable space).
     */
    public static final long MAX_GUEST_RAM = 64L << 30;
    /** Smallest guest RAM jkexec accepts. */
    public static final long MIN_GUEST_RAM = 64L << 20;
    /** Most vCPUs a machine has (one crash note slot each). */
    public static final int MAX_CPUS = 64;

    /** Size of the hidden area of jkexec's own pages. */
    public static final long HIDDEN_SIZE = LARGE_PAGE_SIZE;
    /**
     * Size of the hypercall buffer window ({@link #hypercallWindow()}): room for the bounce
     * buffers of one {@code kexec_load} of a 14 MiB kernel plus a 64 MiB initrd, and the shim's
     * allocation bitmap (one bit per page: 3 KiB). Sparse in the RAM file until the guest uses it.
     */
    public static final long HYPERCALL_WINDOW_SIZE = 96L << 20;
    /**
     * Where, in the mailbox page, jkexec publishes the hypercall window and the doorbell
     * ({@code dev.jkexec.machine.hypercall.Hypercalls}): the page's last 256 bytes, clear of the
     * marker tests write at its start.
     */
    public static final long HYPERCALL_DESCRIPTOR = MAILBOX + 0xF00;

    /** Offset in the hidden area of the one-shot handover block the firmware consumes after reset. */
    public static final long HANDOVER_OFFSET = 0x0000;
    /** Offset of the firmware's stack page (the stack grows down from the end of the page). */
    public static final long STACK_OFFSET = 0x1000;
    /** Offset of the GDTs the image is entered with (64-bit entry GDT, then 32-bit entry GDT). */
    public static final long ENTRY_GDT_OFFSET = 0x2000;
    /** Offset of the page the firmware reads QEMU's fw_cfg file directory into (the DMA zeroing's item). */
    public static final long FW_CFG_DIRECTORY_OFFSET = 0x3000;
    /** Offset of the ACPI tables (RSDP, XSDT, MADT) that tell Linux about the vCPUs. */
    public static final long ACPI_OFFSET = 0x4000;
    /** Room for the ACPI tables. */
    public static final long ACPI_SIZE = 0x4000;
    /**
     * Offset of the 4 KiB VMCOREINFO buffer ({@code get_range VMCOREINFO}): at crash time the
     * machine copies the guest kernel's VMCOREINFO note here, with CRASHTIME (VmcoreInfoPage).
     */
    public static final long VMCOREINFO_OFFSET = 0x8000;
    /** Size of the VMCOREINFO buffer, as Xen's {@code VMCOREINFO_BYTES}. */
    public static final long VMCOREINFO_SIZE = 4096;
    /** Offset of the crash note buffers, one slot per vCPU ({@code get_range CPU n}). */
    public static final long CRASH_NOTES_OFFSET = 0x10000;
    /** Size of one vCPU's crash note slot: an NT_PRSTATUS note is 356 bytes; the rest stays zero. */
    public static final long CRASH_NOTE_SIZE = 0x400;
    /** Offset of the identity page tables the firmware runs the image under. */
    public static final long PAGE_TABLES_OFFSET = 0x80000;
    /** Room for the identity page tables: PML4, PDPT and one page directory per GiB. */
    public static final long PAGE_TABLES_SIZE = 0x80000;

    public MachineLayout {
        requireMultiple("guest RAM", guestRam, LARGE_PAGE_SIZE);
        requireMultiple("crash region size", crashSize, LARGE_PAGE_SIZE);
        requireMultiple("staging size", stagingSize, LARGE_PAGE_SIZE);
        if (guestRam < MIN_GUEST_RAM) {
            throw new IllegalArgumentException("guest RAM " + mib(guestRam) + " is below the minimum " + mib(MIN_GUEST_RAM));
        }
        if (stagingSize < LARGE_PAGE_SIZE) {
            throw new IllegalArgumentException("staging size " + mib(stagingSize) + " is below 2 MiB");
        }
        if (cpus < 1 || cpus > MAX_CPUS) {
            throw new IllegalArgumentException("cpus " + cpus + " outside 1.." + MAX_CPUS);
        }
        if (guestRam > MAX_GUEST_RAM) {
            throw new IllegalArgumentException("guest RAM " + mib(guestRam) + " is above the maximum " + mib(MAX_GUEST_RAM));
        }
        long kept = keptBelow4g(crashSize, stagingSize);
        if (guestRam + kept >= MAX_LOW_RAM && SPLIT_LOW_RAM - kept < MIN_GUEST_RAM) {
            throw new IllegalArgumentException("crash region " + mib(crashSize) + " + staging " + mib(stagingSize)
                    + " + 2 MiB + the hypercall window " + mib(HYPERCALL_WINDOW_SIZE) + " = " + mib(kept)
                    + " leaves less than " + mib(MIN_GUEST_RAM) + " of guest RAM below " + mib(SPLIT_LOW_RAM)
                    + " (where they must be, below 4 GiB)");
        }
    }

    /** What jkexec keeps for itself below 4 GiB: crash region, hidden pages, staging, hypercall window. */
    private static long keptBelow4g(long crashSize, long stagingSize) {
        return crashSize + HIDDEN_SIZE + stagingSize + HYPERCALL_WINDOW_SIZE;
    }

    /**
     * Whether RAM is split around the PCI hole: the contiguous layout would reach
     * {@link #MAX_LOW_RAM}, where QEMU's pc machine moves part of it above 4 GiB.
     */
    public boolean isSplit() {
        return guestRam + keptBelow4g(crashSize, stagingSize) >= MAX_LOW_RAM;
    }

    /** Guest RAM below 4 GiB (all of it unless {@link #isSplit()}). */
    public long lowGuestRam() {
        return isSplit() ? SPLIT_LOW_RAM - keptBelow4g(crashSize, stagingSize) : guestRam;
    }

    /** Guest RAM from 4 GiB up (0 unless {@link #isSplit()}). */
    public long highGuestRam() {
        return guestRam - lowGuestRam();
    }

    /** The end of QEMU's RAM below 4 GiB: file offset = physical address below it. */
    public long lowRamTop() {
        return totalRam() - highGuestRam();
    }

    /** One past the highest RAM address: {@link #lowRamTop()}, or 4 GiB + the high part. */
    public long ramEnd() {
        return isSplit() ? FOUR_GIB + highGuestRam() : totalRam();
    }

    /** QEMU's {@code max-ram-below-4g} for this machine, or 0 to leave QEMU's default (no split). */
    public long maxRamBelow4g() {
        return isSplit() ? SPLIT_LOW_RAM : 0;
    }

    /**
     * The guest-physical address of RAM file offset {@code offset}: the same below
     * {@link #lowRamTop()}, from 4 GiB above it.
     */
    public long physicalAddressOf(long offset) {
        if (offset < 0 || offset >= totalRam()) {
            throw new IllegalArgumentException("RAM file offset 0x" + Long.toHexString(offset) + " outside 0x0-0x"
                    + Long.toHexString(totalRam()));
        }
        return offset < lowRamTop() ? offset : FOUR_GIB + (offset - lowRamTop());
    }

    /** The RAM file offset of guest-physical {@code address}; an address in the hole is refused. */
    public long fileOffsetOf(long address) {
        if (address >= 0 && address < lowRamTop()) {
            return address;
        }
        if (isSplit() && address >= FOUR_GIB && address < ramEnd()) {
            return lowRamTop() + (address - FOUR_GIB);
        }
        throw new IllegalArgumentException("guest-physical 0x" + Long.toHexString(address) + " is not RAM (RAM: 0x0-0x"
                + Long.toHexString(lowRamTop()) + (isSplit() ? " and 0x100000000-0x" + Long.toHexString(ramEnd()) : "") + ")");
    }

    /** The machine's RAM file as physical memory: offset = address below 4 GiB, split above. */
    public dev.jkexec.platform.PhysicalMemory physicalMemory(java.lang.foreign.MemorySegment ramFile) {
        if (ramFile.byteSize() != totalRam()) {
            throw new IllegalArgumentException("RAM file of 0x" + Long.toHexString(ramFile.byteSize())
                    + " bytes is not this layout's 0x" + Long.toHexString(totalRam()));
        }
        return dev.jkexec.platform.PhysicalMemory.split(ramFile, lowRamTop(), FOUR_GIB);
    }

    /** The default machine: 1 GiB guest, 256 MiB crash region, 256 MiB staging, 1 vCPU. */
    public static MachineLayout defaults() {
        return new MachineLayout(1L << 30, 256L << 20, 256L << 20, 1);
    }

    public MachineLayout withGuestRam(long bytes) {
        return new MachineLayout(bytes, crashSize, stagingSize, cpus);
    }

    public MachineLayout withCpus(int n) {
        return new MachineLayout(guestRam, crashSize, stagingSize, n);
    }

    public MachineLayout withCrashSize(long bytes) {
        return new MachineLayout(guestRam, bytes, stagingSize, cpus);
    }

    /** Start of the crash region: right after the guest's RAM below 4 GiB. */
    public long crashBase() {
        return lowGuestRam();
    }

    /** Start of jkexec's own pages. */
    public long hiddenBase() {
        return crashBase() + crashSize;
    }

    /** Start of the staging region. */
    public long stagingBase() {
        return hiddenBase() + HIDDEN_SIZE;
    }

    /** Start of the hypercall buffer window. */
    public long hypercallWindow() {
        return stagingBase() + stagingSize;
    }

    /** All RAM QEMU has ({@code -m}, the RAM file's size): guest RAM plus everything hidden from the guest. */
    public long totalRam() {
        return guestRam + keptBelow4g(crashSize, stagingSize);
    }

    public long handoverBlock() {
        return hiddenBase() + HANDOVER_OFFSET;
    }

    /** The firmware's initial stack pointer; also the stack the image is entered with. */
    public long stackTop() {
        return hiddenBase() + STACK_OFFSET + PAGE_SIZE;
    }

    /** Where the firmware reads fw_cfg's file directory (one page). */
    public long fwCfgDirectory() {
        return hiddenBase() + FW_CFG_DIRECTORY_OFFSET;
    }

    /** GDT for 64-bit entries: 0x08 32-bit code, 0x10 64-bit code, 0x18 data. */
    public long entryGdt64() {
        return hiddenBase() + ENTRY_GDT_OFFSET;
    }

    /** GDT for 32-bit entries: 0x08 64-bit code (for the way down), 0x10 32-bit code, 0x18 data. */
    public long entryGdt32() {
        return entryGdt64() + EntryGdt.GDT32_OFFSET;
    }

    public long acpiBase() {
        return hiddenBase() + ACPI_OFFSET;
    }

    public long vmcoreinfo() {
        return hiddenBase() + VMCOREINFO_OFFSET;
    }

    /** Start of vCPU {@code cpu}'s crash note slot. */
    public long crashNote(int cpu) {
        if (cpu < 0 || cpu >= cpus) {
            throw new IllegalArgumentException("cpu " + cpu + " outside 0.." + (cpus - 1));
        }
        return hiddenBase() + CRASH_NOTES_OFFSET + cpu * CRASH_NOTE_SIZE;
    }

    public long pageTables() {
        return hiddenBase() + PAGE_TABLES_OFFSET;
    }

    /**
     * The memory map a guest is told (its e820): RAM below the mailbox page, from 1 MiB to
     * {@link #crashBase()} and, when split, from 4 GiB to {@link #ramEnd()}; the mailbox, the ROM
     * alias and everything jkexec keeps for itself reserved.
     */
    public MemoryMap guestMemoryMap() {
        List<MemoryRange> r = new ArrayList<>(List.of(
                new MemoryRange(0, MAILBOX, E820Type.RAM),
                new MemoryRange(MAILBOX, LOW_RAM_END - MAILBOX, E820Type.RESERVED),
                new MemoryRange(BIOS_AREA_START, ONE_MIB - BIOS_AREA_START, E820Type.RESERVED),
                new MemoryRange(ONE_MIB, crashBase() - ONE_MIB, E820Type.RAM),
                new MemoryRange(crashBase(), lowRamTop() - crashBase(), E820Type.RESERVED),
                new MemoryRange(ROM_BASE, ROM_SIZE, E820Type.RESERVED)));
        if (isSplit()) {
            r.add(new MemoryRange(FOUR_GIB, highGuestRam(), E820Type.RAM));
        }
        return new MemoryMap(r);
    }

    /**
     * All memory a guest can write, as dumps cover it: conventional memory including the mailbox
     * page, RAM from 1 MiB to {@link #crashBase()} and, when split, the RAM from 4 GiB.
     */
    public MemoryMap guestRamRanges() {
        List<MemoryRange> r = new ArrayList<>(List.of(
                new MemoryRange(0, LOW_RAM_END, E820Type.RAM),
                new MemoryRange(ONE_MIB, crashBase() - ONE_MIB, E820Type.RAM)));
        if (isSplit()) {
            r.add(new MemoryRange(FOUR_GIB, highGuestRam(), E820Type.RAM));
        }
        return new MemoryMap(r);
    }

    /**
     * Where this machine's kexec core finds things: the crash region (none when its size is 0),
     * the staging range, one crash note slot per vCPU, the VMCOREINFO buffer, the default-image
     * limit (the staging size) and where default images may go (the guest's RAM).
     */
    public KexecConfig kexecConfig() {
        List<PhysicalRange> notes = new ArrayList<>();
        for (int cpu = 0; cpu < cpus; cpu++) {
            notes.add(new PhysicalRange(crashNote(cpu), CRASH_NOTE_SIZE));
        }
        PhysicalRange crash = crashSize == 0 ? PhysicalRange.NONE : new PhysicalRange(crashBase(), crashSize);
        return new KexecConfig(crash,
                new PhysicalRange(stagingBase(), stagingSize),
                notes,
                new PhysicalRange(vmcoreinfo(), VMCOREINFO_SIZE),
                stagingSize,
                guestRamRanges().ranges().stream().map(r -> new PhysicalRange(r.start(), r.size())).toList());
    }

    private static void requireMultiple(String what, long value, long unit) {
        if (value < 0 || value % unit != 0) {
            throw new IllegalArgumentException(what + " 0x" + Long.toHexString(value) + " is not a multiple of " + mib(unit));
        }
    }

    static String mib(long bytes) {
        return bytes % (1L << 20) == 0 ? (bytes >> 20) + " MiB" : "0x" + Long.toHexString(bytes) + " bytes";
    }
}
