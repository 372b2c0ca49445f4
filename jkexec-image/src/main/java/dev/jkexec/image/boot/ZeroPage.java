package dev.jkexec.image.boot;

import dev.jkexec.image.ByteView;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The zero page ({@code struct boot_params}, 4096 bytes): the offsets a loader writes, and a
 * read-only view that decodes a built page (tests and descriptions decode exactly what was
 * written). Offsets follow arch/x86/include/uapi/asm/bootparam.h and the spec's §2.
 */
public final class ZeroPage {
    public static final int SIZE = 4096;
    /** screen_info.ext_mem_k: KiB above 1 MiB, capped at 0xFC00. */
    public static final int EXT_MEM_K = 0x002;
    public static final int ACPI_RSDP_ADDR = 0x070;
    public static final int EXT_RAMDISK_IMAGE = 0x0C0;
    public static final int EXT_RAMDISK_SIZE = 0x0C4;
    public static final int EXT_CMD_LINE_PTR = 0x0C8;
    public static final int ALT_MEM_K = 0x1E0;
    public static final int E820_ENTRIES = 0x1E8;
    /** Must stay 0, or the kernel wipes every field outside its preserve list. */
    public static final int SENTINEL = 0x1EF;
    public static final int SETUP_HEADER = 0x1F1;
    public static final int BOOT_FLAG = 0x1FE;
    public static final int HEADER = 0x202;
    public static final int VERSION = 0x206;
    public static final int VID_MODE = 0x1FA;
    public static final int CODE32_START = 0x214;
    public static final int HEAP_END_PTR = 0x224;
    public static final int TYPE_OF_LOADER = 0x210;
    public static final int LOADFLAGS = 0x211;
    public static final int RAMDISK_IMAGE = 0x218;
    public static final int RAMDISK_SIZE = 0x21C;
    public static final int CMD_LINE_PTR = 0x228;
    public static final int CMDLINE_SIZE = 0x238;
    public static final int SETUP_DATA = 0x250;
    public static final int E820_TABLE = 0x2D0;
    /** Entries the zero page holds; more go to a SETUP_E820_EXT node. */
    public static final int E820_MAX = 128;
    public static final int E820_ENTRY_SIZE = 20;
    /** kexec's loader id (0xD) with version 0. */
    public static final int TYPE_OF_LOADER_KEXEC = 0xD0;

    private final MemorySegment page;

    private ZeroPage(MemorySegment page) {
        this.page = page;
    }

    /** A view of a built zero page (not copied). */
    public static ZeroPage view(byte[] page) {
        if (page.length < SIZE) {
            throw new IllegalArgumentException("zero page of " + page.length + " bytes");
        }
        return new ZeroPage(MemorySegment.ofArray(page));
    }

    public int u8(int offset) {
        return Byte.toUnsignedInt(page.get(ValueLayout.JAVA_BYTE, offset));
    }

    public int u16(int offset) {
        return Short.toUnsignedInt(page.get(ByteView.U16, offset));
    }

    public long u32(int offset) {
        return Integer.toUnsignedLong(page.get(ByteView.U32, offset));
    }

    public long u64(int offset) {
        return page.get(ByteView.U64, offset);
    }

    /** cmd_line_ptr with ext_cmd_line_ptr as the high half. */
    public long commandLinePointer() {
        return u32(CMD_LINE_PTR) | u32(EXT_CMD_LINE_PTR) << 32;
    }

    public long ramdiskImage() {
        return u32(RAMDISK_IMAGE) | u32(EXT_RAMDISK_IMAGE) << 32;
    }

    public long ramdiskSize() {
        return u32(RAMDISK_SIZE) | u32(EXT_RAMDISK_SIZE) << 32;
    }

    public int typeOfLoader() {
        return u8(TYPE_OF_LOADER);
    }

    public int loadFlags() {
        return u8(LOADFLAGS);
    }

    public long setupData() {
        return u64(SETUP_DATA);
    }

    public long acpiRsdpAddr() {
        return u64(ACPI_RSDP_ADDR);
    }

    public int sentinel() {
        return u8(SENTINEL);
    }

    public int e820Count() {
        return u8(E820_ENTRIES);
    }

    /** The e820 entries in the zero page, decoded. Unknown types decode as RESERVED. */
    public List<MemoryRange> e820() {
        List<MemoryRange> out = new ArrayList<>();
        for (int i = 0; i < Math.min(e820Count(), E820_MAX); i++) {
            int at = E820_TABLE + i * E820_ENTRY_SIZE;
            E820Type t = E820Type.ofCode(u32(at + 16));
            out.add(new MemoryRange(u64(at), u64(at + 8), t == null ? E820Type.RESERVED : t));
        }
        return out;
    }
}
