package dev.jkexec.image.boot;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.bzimage.SetupHeader;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a zero page. It starts zeroed and, for a bzImage, receives exactly the setup header bytes
 * {@code [0x1F1, 0x202 + byte[0x201])}: never the byte at 0x1EF, so the sentinel stays 0 and the
 * kernel keeps every field written here (spec §2, pitfall 1). For an ELF vmlinux, which has no
 * header, {@link #minimal} writes the few header fields a kernel reads (boot_flag, "HdrS", version
 * 2.15, cmdline_size), as u-root and Firecracker do.
 *
 * <p>Pointers wider than 32 bits put their high half in the {@code ext_*} fields, which exist from
 * protocol 2.12; below 2.12 a caller must keep everything under 4 GiB (an
 * {@link IllegalArgumentException} otherwise: a planner bug, not bad input). Every write is
 * recorded in {@link #written()} for descriptions.
 */
public final class ZeroPageBuilder {
    private final byte[] page = new byte[ZeroPage.SIZE];
    private final MemorySegment seg = MemorySegment.ofArray(page);
    private final int version;
    private final List<ZeroPageField> written = new ArrayList<>();

    private ZeroPageBuilder(int version) {
        this.version = version;
    }

    /** A zero page holding a copy of {@code header}'s bytes and nothing else. */
    public static ZeroPageBuilder fromHeader(SetupHeader header) {
        ZeroPageBuilder b = new ZeroPageBuilder(header.version());
        byte[] h = header.bytes();
        System.arraycopy(h, 0, b.page, ZeroPage.SETUP_HEADER, h.length);
        return b;
    }

    /** A zero page for a kernel without a setup header (ELF vmlinux): boot_flag, "HdrS", version 2.15, cmdline_size. */
    public static ZeroPageBuilder minimal(long cmdlineSize) {
        ZeroPageBuilder b = new ZeroPageBuilder(SetupHeader.NEWEST_VERSION);
        b.put16("boot_flag", ZeroPage.BOOT_FLAG, SetupHeader.BOOT_FLAG);
        b.put32("header", ZeroPage.HEADER, SetupHeader.HDRS);
        b.put16("version", ZeroPage.VERSION, SetupHeader.NEWEST_VERSION);
        b.put32("cmdline_size", ZeroPage.CMDLINE_SIZE, cmdlineSize);
        return b;
    }

    public ZeroPageBuilder typeOfLoader(int value) {
        put8("type_of_loader", ZeroPage.TYPE_OF_LOADER, value);
        return this;
    }

    public ZeroPageBuilder loadFlags(int value) {
        put8("loadflags", ZeroPage.LOADFLAGS, value);
        return this;
    }

    /** code32_start: where the real-mode setup code jumps to the protected-mode kernel (the load address). */
    public ZeroPageBuilder code32Start(long address) {
        put32("code32_start", ZeroPage.CODE32_START, address);
        return this;
    }

    /** heap_end_ptr (2.01+): end of the real-mode setup's heap and stack, from the setup code's start, minus 0x200. */
    public ZeroPageBuilder heapEndPtr(int value) {
        put16("heap_end_ptr", ZeroPage.HEAP_END_PTR, value);
        return this;
    }

    /** vid_mode: 0xFFFF asks the real-mode setup for the normal text mode (no mode menu). */
    public ZeroPageBuilder vidMode(int value) {
        put16("vid_mode", ZeroPage.VID_MODE, value);
        return this;
    }

    /** cmd_line_ptr (+ ext_cmd_line_ptr from 2.12). */
    public ZeroPageBuilder commandLine(long address) {
        split("cmd_line_ptr", ZeroPage.CMD_LINE_PTR, "ext_cmd_line_ptr", ZeroPage.EXT_CMD_LINE_PTR, address);
        return this;
    }

    /** ramdisk_image/ramdisk_size (+ ext_ halves from 2.12). */
    public ZeroPageBuilder ramdisk(long address, long size) {
        split("ramdisk_image", ZeroPage.RAMDISK_IMAGE, "ext_ramdisk_image", ZeroPage.EXT_RAMDISK_IMAGE, address);
        split("ramdisk_size", ZeroPage.RAMDISK_SIZE, "ext_ramdisk_size", ZeroPage.EXT_RAMDISK_SIZE, size);
        return this;
    }

    /** acpi_rsdp_addr (honoured since Linux 5.0). */
    public ZeroPageBuilder acpiRsdp(long address) {
        put64("acpi_rsdp_addr", ZeroPage.ACPI_RSDP_ADDR, address);
        return this;
    }

    /**
     * The first 128 entries of {@code table}, their count, and ext_mem_k/alt_mem_k from the RAM
     * entry spanning 1 MiB. Entries beyond 128 are the caller's SETUP_E820_EXT node.
     */
    public ZeroPageBuilder e820(E820Table table) {
        byte[] entries = E820Table.encode(table.inZeroPage());
        System.arraycopy(entries, 0, page, ZeroPage.E820_TABLE, entries.length);
        put8("e820_entries", ZeroPage.E820_ENTRIES, table.inZeroPage().size());
        long memK = table.memK();
        put16("ext_mem_k", ZeroPage.EXT_MEM_K, Math.min(memK, 0xFC00));
        put32("alt_mem_k", ZeroPage.ALT_MEM_K, Math.min(memK, 0xFFFF_FFFFL));
        return this;
    }

    /** hdr.setup_data: the physical address of the first setup_data node (2.09+). */
    public ZeroPageBuilder setupData(long address) {
        if (version < 0x209) {
            throw new IllegalArgumentException("setup_data needs protocol 2.09, header has " + Integer.toHexString(version));
        }
        put64("setup_data", ZeroPage.SETUP_DATA, address);
        return this;
    }

    /** A copy of the page. */
    public byte[] build() {
        return page.clone();
    }

    /** The fields written, in order. */
    public List<ZeroPageField> written() {
        return List.copyOf(written);
    }

    private void split(String low, int lowAt, String high, int highAt, long value) {
        put32(low, lowAt, value & 0xFFFF_FFFFL);
        if (version >= 0x20C) {
            put32(high, highAt, value >>> 32);
        } else if (value >>> 32 != 0) {
            throw new IllegalArgumentException(low + " 0x" + Long.toHexString(value) + " above 4 GiB needs protocol 2.12");
        }
    }

    private void put8(String name, int at, long v) {
        seg.set(ValueLayout.JAVA_BYTE, at, (byte) v);
        written.add(new ZeroPageField(name, at, 1, v & 0xFF));
    }

    private void put16(String name, int at, long v) {
        seg.set(ByteView.U16, at, (short) v);
        written.add(new ZeroPageField(name, at, 2, v & 0xFFFF));
    }

    private void put32(String name, int at, long v) {
        seg.set(ByteView.U32, at, (int) v);
        written.add(new ZeroPageField(name, at, 4, v & 0xFFFF_FFFFL));
    }

    private void put64(String name, int at, long v) {
        seg.set(ByteView.U64, at, v);
        written.add(new ZeroPageField(name, at, 8, v));
    }
}
