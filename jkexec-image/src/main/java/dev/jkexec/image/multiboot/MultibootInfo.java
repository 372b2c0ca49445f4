package dev.jkexec.image.multiboot;

import static dev.jkexec.image.ImageFormatException.hex;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The Multiboot v1 information structure a boot loader hands the kernel in EBX (Multiboot spec
 * §3.3), as jkexec writes it: one buffer holding the 116-byte structure, then everything it points
 * to, so one segment carries it all.
 * <pre>
 *   +0      flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr, syms[4],
 *           mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name,
 *           apm_table, vbe_* (the last fields are 0)                                  116 bytes
 *   +116    the kernel's command line, NUL terminated
 *           the boot loader's name, NUL terminated
 *   align 4 the memory map: {u32 size = 20, u64 base_addr, u64 length, u32 type} per range
 *   align 4 the module list: {u32 mod_start, u32 mod_end, u32 string, u32 reserved} per module
 *           each module's string, NUL terminated
 * </pre>
 * Flags written: MEMORY (bit 0: mem_lower/mem_upper), CMDLINE (2), MODS (3), MMAP (6),
 * LOADER_NAME (9). Like GRUB and kexec-tools, the command lines start with the image's name —
 * the Xen hypervisor drops that first word unless the loader calls itself "GRUB 2".
 *
 * <p>{@link #decode} reads a structure back from memory with named checks; jkexec's tests and
 * contract checker use it on what the kernel really finds.
 *
 * @param commandLine    the kernel's command line
 * @param bootLoaderName the boot loader's name
 * @param memLower       KiB of RAM from 0 (at most 640)
 * @param memUpper       KiB of RAM from 1 MiB to the first hole
 * @param memoryMap      the machine's memory map
 * @param modules        the modules, in the order the kernel sees them
 */
public record MultibootInfo(String commandLine, String bootLoaderName, long memLower, long memUpper,
                            List<MemoryRange> memoryMap, List<Module> modules) {
    public static final int SIZE = 116;
    public static final int FLAG_MEMORY = 1;
    public static final int FLAG_CMDLINE = 1 << 2;
    public static final int FLAG_MODS = 1 << 3;
    public static final int FLAG_MMAP = 1 << 6;
    public static final int FLAG_LOADER_NAME = 1 << 9;
    public static final int FLAGS = FLAG_MEMORY | FLAG_CMDLINE | FLAG_MODS | FLAG_MMAP | FLAG_LOADER_NAME;
    static final int MMAP_ENTRY = 24;
    static final int MODULE_ENTRY = 16;
    /** Most modules and memory ranges {@link #decode} accepts (far beyond any real boot). */
    static final int MAX_ENTRIES = 256;
    /** x86-64's physical address space: a memory range beyond it is damage. */
    static final long MAX_PHYSICAL = 1L << 52;
    /** Longest string {@link #decode} reads. */
    static final int MAX_STRING = 4096;

    /** A boot module: where it lies ({@code [start, end)}) and its string. */
    public record Module(long start, long end, String string) {
        public Module {
            Objects.requireNonNull(string, "string");
        }
    }

    public MultibootInfo {
        Objects.requireNonNull(commandLine, "commandLine");
        Objects.requireNonNull(bootLoaderName, "bootLoaderName");
        memoryMap = List.copyOf(memoryMap);
        modules = List.copyOf(modules);
    }

    /** Bytes {@link #encode} writes. */
    public int size() {
        int at = SIZE + cstring(commandLine).length + cstring(bootLoaderName).length;
        at = align4(at) + MMAP_ENTRY * memoryMap.size();
        at = align4(at) + MODULE_ENTRY * modules.size();
        for (Module m : modules) {
            at += cstring(m.string()).length;
        }
        return at;
    }

    /** The structure for physical address {@code base} (4-byte aligned, below 4 GiB). */
    public byte[] encode(long base) {
        if (base % 4 != 0 || base < 0 || base + size() > 1L << 32) {
            throw new IllegalArgumentException("multiboot information at 0x" + Long.toHexString(base));
        }
        ByteBuffer b = ByteBuffer.allocate(size()).order(ByteOrder.LITTLE_ENDIAN);
        byte[] cmd = cstring(commandLine);
        byte[] name = cstring(bootLoaderName);
        int cmdAt = SIZE;
        int nameAt = cmdAt + cmd.length;
        int mmapAt = align4(nameAt + name.length);
        int modsAt = align4(mmapAt + MMAP_ENTRY * memoryMap.size());
        int stringsAt = modsAt + MODULE_ENTRY * modules.size();
        b.putInt(0, FLAGS).putInt(4, (int) memLower).putInt(8, (int) memUpper);
        b.putInt(16, (int) (base + cmdAt)).putInt(20, modules.size()).putInt(24, (int) (base + modsAt));
        b.putInt(44, MMAP_ENTRY * memoryMap.size()).putInt(48, (int) (base + mmapAt));
        b.putInt(64, (int) (base + nameAt));
        b.put(cmdAt, cmd).put(nameAt, name);
        for (int i = 0; i < memoryMap.size(); i++) {
            MemoryRange r = memoryMap.get(i);
            int at = mmapAt + MMAP_ENTRY * i;
            b.putInt(at, MMAP_ENTRY - 4).putLong(at + 4, r.start()).putLong(at + 12, r.size()).putInt(at + 20, r.type().code());
        }
        int s = stringsAt;
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            int at = modsAt + MODULE_ENTRY * i;
            byte[] str = cstring(m.string());
            b.putInt(at, (int) m.start()).putInt(at + 4, (int) m.end()).putInt(at + 8, (int) (base + s)).putInt(at + 12, 0);
            b.put(s, str);
            s += str.length;
        }
        return b.array();
    }

    /**
     * Reads the structure at {@code base} from {@code memory} (offset = physical address), as a
     * kernel would: every pointer and count checked against the memory, each failure naming the
     * field ({@code mbi.mods_addr}, ...).
     */
    public static MultibootInfo decode(MemorySegment memory, long base) {
        ByteView v = new ByteView(memory, "memory");
        v.require(base, SIZE, "mbi");
        long flags = v.u32(base, "mbi.flags");
        long lower = (flags & FLAG_MEMORY) != 0 ? v.u32(base + 4, "mbi.mem_lower") : 0;
        long upper = (flags & FLAG_MEMORY) != 0 ? v.u32(base + 8, "mbi.mem_upper") : 0;
        String cmd = (flags & FLAG_CMDLINE) != 0 ? string(v, v.u32(base + 16, "mbi.cmdline"), "mbi.cmdline") : "";
        String name = (flags & FLAG_LOADER_NAME) != 0 ? string(v, v.u32(base + 64, "mbi.boot_loader_name"), "mbi.boot_loader_name") : "";
        List<MemoryRange> map = new ArrayList<>();
        if ((flags & FLAG_MMAP) != 0) {
            long length = v.u32(base + 44, "mbi.mmap_length");
            long at = v.u32(base + 48, "mbi.mmap_addr");
            v.require(at, length, "mbi.mmap_addr");
            long end = at + length;
            while (at < end) {
                if (map.size() >= MAX_ENTRIES) {
                    throw new ImageFormatException("mbi.mmap_length", hex(length), "more than " + MAX_ENTRIES + " memory ranges");
                }
                long size = v.u32(at, "mbi.mmap[" + map.size() + "].size");
                long type = v.u32(at + 20, "mbi.mmap[" + map.size() + "].type");
                E820Type t = E820Type.ofCode(type);
                String field = "mbi.mmap[" + map.size() + "]";
                long start = v.u64(at + 4, field + ".base_addr");
                long bytes = v.u64(at + 12, field + ".length");
                if (start < 0 || bytes < 0 || start > MAX_PHYSICAL - bytes) {
                    throw new ImageFormatException(field + ".length", hex(bytes), "range " + hex(start) + "+" + hex(bytes)
                            + " lies beyond the 52-bit physical address space");
                }
                map.add(new MemoryRange(start, bytes, t == null ? E820Type.RESERVED : t));
                at += size + 4;
            }
        }
        List<Module> mods = new ArrayList<>();
        if ((flags & FLAG_MODS) != 0) {
            long count = v.u32(base + 20, "mbi.mods_count");
            long at = v.u32(base + 24, "mbi.mods_addr");
            if (count > MAX_ENTRIES) {
                throw new ImageFormatException("mbi.mods_count", hex(count), "more than " + MAX_ENTRIES + " modules");
            }
            v.require(at, count * MODULE_ENTRY, "mbi.mods_addr");
            for (int i = 0; i < count; i++) {
                long m = at + (long) MODULE_ENTRY * i;
                mods.add(new Module(v.u32(m, "mbi.mods[" + i + "].mod_start"), v.u32(m + 4, "mbi.mods[" + i + "].mod_end"),
                        string(v, v.u32(m + 8, "mbi.mods[" + i + "].string"), "mbi.mods[" + i + "].string")));
            }
        }
        return new MultibootInfo(cmd, name, lower, upper, map, mods);
    }

    /** The flags word a structure at {@code base} carries. */
    public static long flags(MemorySegment memory, long base) {
        return new ByteView(memory, "memory").u32(base, "mbi.flags");
    }

    private static String string(ByteView v, long at, String field) {
        return v.cString(at, Math.min(v.size(), at + MAX_STRING), MAX_STRING, field);
    }

    private static byte[] cstring(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    private static int align4(int v) {
        return (v + 3) & -4;
    }
}
