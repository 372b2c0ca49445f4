package dev.jkexec.machine.firmware;

import dev.jkexec.core.handover.EntryGdt;
import dev.jkexec.core.handover.IdentityMap;
import dev.jkexec.image.Arch;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.x86.BootGdt;
import dev.jkexec.platform.x86.Paging;
import java.util.List;

/**
 * The one-shot handover block: what jkexec tells the firmware to do after the next reset.
 * It lives in jkexec's hidden page at {@link MachineLayout#handoverBlock()}.
 *
 * <pre>
 *  off  size  field
 *  0x00  8    magic "JKXHAND1" — the firmware acts only on this, and zeroes it first (one shot)
 *  0x08  8    flags: bit 0 = enter in 32-bit protected mode (EM_386), else 64-bit long mode;
 *             bit 1 = set up the BIOS first: vector table to 0:0, the BIOS data below to 0x400, PICs
 *             programmed and masked (an EM_386 default image: the real-mode setup code, Multiboot);
 *             bit 2 = no DMA overwrite: walk the page list without first overwriting its destinations
 *             through fw_cfg DMA (see {@link #FLAG_NO_DMA_OVERWRITE})
 *  0x10  8    page list head: first entry of a Xen-encoded IND_* list, 0 = nothing to relocate
 *  0x18  8    CR3: the identity page tables (below 4 GiB)
 *  0x20  8    entry address (below 4 GiB for EM_386)
 *  0x28  8    number of refresh ranges (at most 16)
 *  0x30  8    status, written by the firmware (see {@link Status})
 *  0x38  8    runs: incremented by the firmware on every reset, block or not
 *  0x40  10   GDTR for 64-bit entries (limit, base)
 *  0x50  10   GDTR for 32-bit entries
 *  0x60  10   IDTR: limit 0, base 0
 *  0x70  8    CR3 the image is entered with (64-bit): the same tables unless a test breaks them
 *  0x78  8    gate: {@link #GATE_OPEN} lets the firmware enter the image once it has walked and
 *             refreshed; {@link #GATE_HELD} makes it wait there (jkexec verifies the image meanwhile)
 *             until jkexec writes {@link #GATE_OPEN} or {@link #GATE_REFUSED} (then it halts)
 *  0x80  8    bytes of page-list destinations the firmware overwrote through fw_cfg DMA (firmware)
 *  0x88  4    0, or the control word QEMU left in the first DMA request that failed (firmware)
 *  0x8C  4    the control word of the zeroing requests: the fw_cfg item they read (firmware)
 *  0x90  16   the firmware's fw_cfg DMA descriptor: be32 control, be32 length, be64 address
 *  0x100 256  refresh ranges: 16 × {u64 start, u64 length}, each range 8-byte aligned
 *  0x400 3072 the BIOS data for 0x400-0xFFF ({@link BiosData}), when bit 1 is set
 * </pre>
 *
 * <p>Why the BIOS only for default images: it overwrites low memory, which on a crash still holds
 * the old guest's data until the purgatory has backed up the low 640 KiB. Crash kernels are
 * Linux kernels entered at 32 or 64 bits, which need no BIOS.
 *
 * <p>Refresh ranges are memory jkexec wrote from outside (crash images loaded in place): the
 * firmware reads and writes back every quadword of them on the vCPU, so that QEMU drops any
 * translated code it still holds for those pages (see qemu-machine-notes.md, stale code).
 *
 * <p>DMA overwrite: before it walks a page list, the firmware has QEMU's fw_cfg device overwrite
 * every run of destination pages by DMA reads (of fw_cfg's largest item, re-selected for each
 * chunk, or of no item, which QEMU answers with zeros). QEMU writes the bytes through
 * {@code address_space_write}, which drops every translated block in the run at host speed; the walk
 * then copies into pages that hold no translated code, so its stores take TCG's fast path instead
 * of the self-modifying-code path, page after page, over the old kernel's text. What the DMA wrote
 * is overwritten by the walk. fw_cfg serves as a DMA engine only: nothing is loaded through it.
 */
public final class HandoverBlock {
    /** "JKXHAND1" as a little-endian quadword. */
    public static final long MAGIC = 0x31444E4148584B4AL;
    public static final long FLAG_ENTRY_32 = 1;
    public static final long FLAG_BIOS = 2;
    /** Walk without overwriting the destinations through fw_cfg DMA first (measurements, tests). */
    public static final long FLAG_NO_DMA_OVERWRITE = 4;
    public static final int MAGIC_OFFSET = 0x00;
    public static final int FLAGS_OFFSET = 0x08;
    public static final int HEAD_OFFSET = 0x10;
    public static final int CR3_OFFSET = 0x18;
    public static final int ENTRY_OFFSET = 0x20;
    public static final int REFRESH_COUNT_OFFSET = 0x28;
    public static final int STATUS_OFFSET = 0x30;
    public static final int RUNS_OFFSET = 0x38;
    public static final int GDTR64_OFFSET = 0x40;
    public static final int GDTR32_OFFSET = 0x50;
    public static final int IDTR_OFFSET = 0x60;
    public static final int ENTRY_CR3_OFFSET = 0x70;
    public static final int GATE_OFFSET = 0x78;
    public static final int DMA_BYTES_OFFSET = 0x80;
    public static final int DMA_ERROR_OFFSET = 0x88;
    public static final int DMA_CONTROL_OFFSET = 0x8C;
    public static final int DMA_DESCRIPTOR_OFFSET = 0x90;
    /** The gate's values: "OPEN", "HELD", "REFU" as little-endian words (never 0, what a zeroed block holds). */
    public static final long GATE_OPEN = 0x4E45504FL;
    public static final long GATE_HELD = 0x444C4548L;
    public static final long GATE_REFUSED = 0x55464552L;
    public static final int REFRESH_TABLE_OFFSET = 0x100;
    public static final int BIOS_DATA_OFFSET = 0x400;
    public static final int MAX_REFRESH_RANGES = 16;

    /** Progress codes the firmware writes to {@code status}. */
    public static final class Status {
        public static final int STARTED = 0x10;
        public static final int NO_HANDOVER = 0x20;
        public static final int ACCEPTED = 0x30;
        public static final int LONG_MODE = 0x40;
        /** The page list's destination runs overwritten through fw_cfg DMA (or the list had none). */
        public static final int DMA_OVERWRITTEN = 0x44;
        /** A fw_cfg DMA request failed (or no fw_cfg answered): the walk runs without it, correct but slower. */
        public static final int DMA_FAILED = 0x45;
        public static final int RELOCATED = 0x50;
        public static final int REFRESHED = 0x60;
        /** Walked and refreshed, waiting at the gate for jkexec's verdict on the image. */
        public static final int AT_GATE = 0x62;
        /** jkexec refused the image at the gate: halted, the image never entered. */
        public static final int REFUSED = 0x24;
        public static final int ENTERING_64 = 0x70;
        public static final int ENTERING_32 = 0x71;
        public static final int BIOS_READY = 0x68;

        private Status() {
        }

        public static String name(long code) {
            return switch ((int) code) {
                case STARTED -> "started";
                case NO_HANDOVER -> "halted: no handover block";
                case ACCEPTED -> "handover accepted";
                case LONG_MODE -> "in long mode";
                case DMA_OVERWRITTEN -> "destinations overwritten by fw_cfg DMA";
                case DMA_FAILED -> "fw_cfg DMA failed: walking without it";
                case RELOCATED -> "page list walked";
                case REFRESHED -> "in-place ranges refreshed";
                case AT_GATE -> "waiting at the gate (image being verified)";
                case REFUSED -> "halted: image refused at the gate";
                case ENTERING_64 -> "entered the image (64-bit)";
                case ENTERING_32 -> "entered the image (32-bit)";
                case BIOS_READY -> "BIOS set up";
                case 0 -> "firmware has not run";
                default -> "unknown status 0x" + Long.toHexString(code);
            };
        }
    }

    /** A range of memory the firmware must rewrite on the CPU. */
    public record Range(long start, long length) {
    }

    /**
     * What the block says.
     *
     * @param arch          the entry mode
     * @param entry         the image's entry address
     * @param pageListHead  first page-list entry, 0 for none
     * @param refresh       ranges to read and write back on the vCPU before entering
     * @param unmapped      pages to leave out of the entry tables (deliberately broken handovers only)
     * @param bios          the BIOS to set up before entering (EM_386 only), or {@code null} for none
     * @param held          whether the firmware waits at the gate before entering ({@link #openGate})
     * @param dmaOverwrite  whether the firmware overwrites the page list's destinations through fw_cfg DMA
     *                      before it walks the list (always safe; off only to measure or test the walk alone)
     */
    public record Contents(Arch arch, long entry, long pageListHead, List<Range> refresh, List<Range> unmapped,
                           BiosData.Answers bios, boolean held, boolean dmaOverwrite) {
        public Contents {
            refresh = List.copyOf(refresh);
            unmapped = List.copyOf(unmapped);
            if (bios != null && arch != Arch.I386) {
                throw new IllegalArgumentException("the BIOS is set up for EM_386 entries only");
            }
        }

        public Contents(Arch arch, long entry, long pageListHead, List<Range> refresh, List<Range> unmapped,
                        BiosData.Answers bios, boolean held) {
            this(arch, entry, pageListHead, refresh, unmapped, bios, held, true);
        }

        public Contents(Arch arch, long entry, long pageListHead, List<Range> refresh, List<Range> unmapped,
                        BiosData.Answers bios) {
            this(arch, entry, pageListHead, refresh, unmapped, bios, false);
        }

        public Contents(Arch arch, long entry, long pageListHead, List<Range> refresh, List<Range> unmapped) {
            this(arch, entry, pageListHead, refresh, unmapped, null, false);
        }

        public Contents(Arch arch, long entry, long pageListHead, List<Range> refresh) {
            this(arch, entry, pageListHead, refresh, List.of(), null);
        }
    }

    private HandoverBlock() {
    }

    /**
     * Writes the block, the entry GDTs and the identity page tables for the next reset.
     *
     * @throws IllegalArgumentException when the contents cannot be handed over (too many
     *         refresh ranges, a 32-bit entry above 4 GiB, unaligned ranges)
     */
    public static void write(PhysicalMemory memory, MachineLayout layout, Contents c) {
        if (c.refresh().size() > MAX_REFRESH_RANGES) {
            throw new IllegalArgumentException(c.refresh().size() + " refresh ranges > " + MAX_REFRESH_RANGES);
        }
        if (c.arch() == Arch.I386 && (c.entry() < 0 || c.entry() > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("EM_386 entry 0x" + Long.toHexString(c.entry()) + " above 4 GiB");
        }
        for (Range r : c.refresh()) {
            if (r.start() % 8 != 0 || r.length() % 8 != 0 || !memory.contains(r.start(), r.length())) {
                throw new IllegalArgumentException("refresh range " + r + " unaligned or outside memory");
            }
        }
        EntryGdt.write(memory, layout.entryGdt64());
        long limit = Math.max(1L << 32, layout.ramEnd());
        long cr3 = IdentityMap.write(memory, layout.pageTables(), limit);
        long entryCr3 = cr3;
        long tables = IdentityMap.tableBytes(limit);
        for (Range hole : c.unmapped()) {
            if (entryCr3 + 2 * tables + 64 * Paging.PAGE_SIZE > layout.pageTables() + MachineLayout.PAGE_TABLES_SIZE) {
                throw new IllegalArgumentException("no room for another broken copy of the page tables");
            }
            entryCr3 = IdentityMap.copyWithHole(memory, entryCr3, limit, entryCr3 + tables + 64 * Paging.PAGE_SIZE,
                    hole.start(), hole.length());
        }
        long b = layout.handoverBlock();
        long runs = memory.readLong(b + RUNS_OFFSET);
        memory.zero(b, Paging.PAGE_SIZE);
        memory.writeLong(b + RUNS_OFFSET, runs);
        memory.writeLong(b + FLAGS_OFFSET, (c.arch() == Arch.I386 ? FLAG_ENTRY_32 : 0) | (c.bios() != null ? FLAG_BIOS : 0)
                | (c.dmaOverwrite() ? 0 : FLAG_NO_DMA_OVERWRITE));
        if (c.bios() != null) {
            memory.write(b + BIOS_DATA_OFFSET, BiosData.encode(c.bios()));
        }
        memory.writeLong(b + HEAD_OFFSET, c.pageListHead());
        memory.writeLong(b + CR3_OFFSET, cr3);
        memory.writeLong(b + ENTRY_CR3_OFFSET, entryCr3);
        memory.writeLong(b + ENTRY_OFFSET, c.entry());
        memory.writeLong(b + REFRESH_COUNT_OFFSET, c.refresh().size());
        memory.writeLong(b + GATE_OFFSET, c.held() ? GATE_HELD : GATE_OPEN);
        writeGdtr(memory, b + GDTR64_OFFSET, layout.entryGdt64());
        writeGdtr(memory, b + GDTR32_OFFSET, layout.entryGdt32());
        for (int i = 0; i < c.refresh().size(); i++) {
            memory.writeLong(b + REFRESH_TABLE_OFFSET + 16L * i, c.refresh().get(i).start());
            memory.writeLong(b + REFRESH_TABLE_OFFSET + 16L * i + 8, c.refresh().get(i).length());
        }
        // The magic goes last: the block is valid only once everything else is in place.
        memory.writeLong(b + MAGIC_OFFSET, MAGIC);
    }

    private static void writeGdtr(PhysicalMemory memory, long at, long base) {
        memory.write(at, new byte[] {(byte) BootGdt.LIMIT, 0});
        memory.writeLong(at + 2, base);
    }

    /**
     * Lets a firmware held at the gate enter the image. The write is followed by a full fence, so
     * the vCPU thread, which polls the word in the same RAM, sees it at once.
     */
    public static void openGate(PhysicalMemory memory, MachineLayout layout) {
        memory.writeLong(layout.handoverBlock() + GATE_OFFSET, GATE_OPEN);
        java.lang.invoke.VarHandle.fullFence();
    }

    /** Tells a firmware held at the gate that the image is refused: it halts without entering it. */
    public static void refuseGate(PhysicalMemory memory, MachineLayout layout) {
        memory.writeLong(layout.handoverBlock() + GATE_OFFSET, GATE_REFUSED);
        java.lang.invoke.VarHandle.fullFence();
    }

    /** Whether a block is waiting for the firmware (the firmware zeroes the magic when it takes it). */
    public static boolean pending(PhysicalMemory memory, MachineLayout layout) {
        return memory.readLong(layout.handoverBlock() + MAGIC_OFFSET) == MAGIC;
    }

    /** The firmware's last progress code. */
    public static long status(PhysicalMemory memory, MachineLayout layout) {
        return memory.readLong(layout.handoverBlock() + STATUS_OFFSET);
    }

    /**
     * Turns the fw_cfg DMA step back on in a block already written, before the firmware runs (the
     * vCPUs stopped): for a handover written to rely on a translation flush that then failed.
     */
    public static void enableDmaOverwrite(PhysicalMemory memory, MachineLayout layout) {
        long flags = layout.handoverBlock() + FLAGS_OFFSET;
        memory.writeLong(flags, memory.readLong(flags) & ~FLAG_NO_DMA_OVERWRITE);
    }

    /** Whether the block asks for the fw_cfg DMA step ({@link Contents#dmaOverwrite()}). */
    public static boolean dmaOverwrite(PhysicalMemory memory, MachineLayout layout) {
        return (memory.readLong(layout.handoverBlock() + FLAGS_OFFSET) & FLAG_NO_DMA_OVERWRITE) == 0;
    }

    /** Bytes of page-list destinations the firmware overwrote through fw_cfg DMA at its last run. */
    public static long dmaBytes(PhysicalMemory memory, MachineLayout layout) {
        return memory.readLong(layout.handoverBlock() + DMA_BYTES_OFFSET);
    }

    /** 0, or the control word QEMU left in the firmware's first failed DMA request at its last run. */
    public static long dmaError(PhysicalMemory memory, MachineLayout layout) {
        return memory.readInt(layout.handoverBlock() + DMA_ERROR_OFFSET) & 0xFFFF_FFFFL;
    }

    /** The control word (item key in bits 16-31) of the firmware's zeroing requests at its last run. */
    public static long dmaControl(PhysicalMemory memory, MachineLayout layout) {
        return memory.readInt(layout.handoverBlock() + DMA_CONTROL_OFFSET) & 0xFFFF_FFFFL;
    }

    /** How many times the firmware has run since the machine was created. */
    public static long runs(PhysicalMemory memory, MachineLayout layout) {
        return memory.readLong(layout.handoverBlock() + RUNS_OFFSET);
    }
}
