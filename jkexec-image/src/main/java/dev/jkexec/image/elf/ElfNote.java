package dev.jkexec.image.elf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Map;

/**
 * One ELF note ({@code Elf_Nhdr} + name + desc) from a PT_NOTE segment.
 *
 * <p>Known owners: "GNU" (build id, ABI tag, properties), "Xen" (the {@code XEN_ELFNOTE_*} notes of
 * xen/include/public/elfnote.h, among them {@link #XEN_ELFNOTE_PHYS32_ENTRY}, the PVH entry), and
 * "Linux"/"CORE" notes. {@code desc} is a read-only view of the file, not a copy.
 *
 * @param name the owner name without its NUL
 * @param type {@code n_type}
 * @param desc the descriptor bytes
 */
public record ElfNote(String name, long type, MemorySegment desc) {
    public static final long NT_GNU_ABI_TAG = 1;
    public static final long NT_GNU_BUILD_ID = 3;
    public static final long NT_GNU_PROPERTY_TYPE_0 = 5;
    /** The 32-bit physical entry point of a PVH-bootable kernel. */
    public static final long XEN_ELFNOTE_PHYS32_ENTRY = 18;
    /** "Linux" note: the build salt string (include/linux/build-salt.h). */
    public static final long LINUX_ELFNOTE_BUILD_SALT = 0x100;
    /** "Linux" note: whether the kernel was built with LTO. */
    public static final long LINUX_ELFNOTE_LTO_INFO = 0x101;

    private static final Map<Long, String> XEN = Map.ofEntries(
            Map.entry(0L, "INFO"), Map.entry(1L, "ENTRY"), Map.entry(2L, "HYPERCALL_PAGE"),
            Map.entry(3L, "VIRT_BASE"), Map.entry(4L, "PADDR_OFFSET"), Map.entry(5L, "XEN_VERSION"),
            Map.entry(6L, "GUEST_OS"), Map.entry(7L, "GUEST_VERSION"), Map.entry(8L, "LOADER"),
            Map.entry(9L, "PAE_MODE"), Map.entry(10L, "FEATURES"), Map.entry(11L, "BSD_SYMTAB"),
            Map.entry(12L, "HV_START_LOW"), Map.entry(13L, "L1_MFN_VALID"), Map.entry(14L, "SUSPEND_CANCEL"),
            Map.entry(15L, "INIT_P2M"), Map.entry(16L, "MOD_START_PFN"), Map.entry(17L, "SUPPORTED_FEATURES"),
            Map.entry(18L, "PHYS32_ENTRY"), Map.entry(19L, "PHYS32_RELOC"),
            Map.entry(0x1000001L, "CRASH_INFO"), Map.entry(0x1000002L, "CRASH_REGS"),
            Map.entry(0x2000000L, "DUMPCORE_NONE"), Map.entry(0x2000001L, "DUMPCORE_HEADER"),
            Map.entry(0x2000002L, "DUMPCORE_XEN_VERSION"), Map.entry(0x2000003L, "DUMPCORE_FORMAT_VERSION"));
    /** Xen notes whose desc is a string. */
    private static final java.util.Set<Long> XEN_STRINGS = java.util.Set.of(0L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);

    public ElfNote {
        desc = desc.asReadOnly();
    }

    public boolean isXen() {
        return "Xen".equals(name);
    }

    public boolean isGnu() {
        return "GNU".equals(name);
    }

    /** The conventional name of the note type, e.g. {@code NT_GNU_BUILD_ID}, {@code XEN_ELFNOTE_PHYS32_ENTRY}. */
    public String typeName() {
        if (isXen()) {
            String n = XEN.get(type);
            return "XEN_ELFNOTE_" + (n == null ? "0x" + Long.toHexString(type) : n);
        }
        if (isGnu()) {
            if (type == NT_GNU_ABI_TAG) {
                return "NT_GNU_ABI_TAG";
            } else if (type == NT_GNU_BUILD_ID) {
                return "NT_GNU_BUILD_ID";
            } else if (type == NT_GNU_PROPERTY_TYPE_0) {
                return "NT_GNU_PROPERTY_TYPE_0";
            }
        }
        if (isLinux()) {
            if (type == LINUX_ELFNOTE_BUILD_SALT) {
                return "LINUX_ELFNOTE_BUILD_SALT";
            } else if (type == LINUX_ELFNOTE_LTO_INFO) {
                return "LINUX_ELFNOTE_LTO_INFO";
            }
        }
        return "0x" + Long.toHexString(type);
    }

    public boolean isLinux() {
        return "Linux".equals(name);
    }

    /** The desc in lowercase hex. */
    public String descHex() {
        return HexFormat.of().formatHex(desc.toArray(ValueLayout.JAVA_BYTE));
    }

    /** The desc as a little-endian number when it is 1, 2, 4 or 8 bytes long, else -1. */
    public long descNumber() {
        return switch ((int) Math.min(desc.byteSize(), 9)) {
            case 1 -> Byte.toUnsignedLong(desc.get(ValueLayout.JAVA_BYTE, 0));
            case 2 -> Short.toUnsignedLong(desc.get(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
            case 4 -> Integer.toUnsignedLong(desc.get(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0));
            case 8 -> desc.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            default -> -1;
        };
    }

    /** The desc as text up to its first NUL. */
    public String descString() {
        byte[] b = desc.toArray(ValueLayout.JAVA_BYTE);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** A one-line rendering of the desc: a string for string-valued Xen notes, a number for numeric ones, else hex. */
    public String describeDesc() {
        if ((isXen() && XEN_STRINGS.contains(type)) || (isLinux() && type == LINUX_ELFNOTE_BUILD_SALT)) {
            return '"' + descString() + '"';
        }
        if ((isXen() || (isLinux() && type == LINUX_ELFNOTE_LTO_INFO)) && descNumber() != -1) {
            return "0x" + Long.toHexString(descNumber());
        }
        String hex = descHex();
        return hex.length() > 96 ? hex.substring(0, 96) + "... (" + desc.byteSize() + " bytes)" : hex;
    }
}
