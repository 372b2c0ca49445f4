package dev.jkexec.image.bzimage;

import static dev.jkexec.image.ImageFormatException.hex;
import static dev.jkexec.image.bzimage.SetupHeaderField.HEADER_START;

import dev.jkexec.image.ByteView;
import dev.jkexec.image.ImageFormatException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The setup header of a bzImage (boot protocol 2.00 to 2.15), parsed and validated.
 *
 * <p>Parsing is forward-only with named checks, in this order: the file holds the fixed part up to
 * {@code version} (0x208); {@code boot_flag} is 0xAA55; {@code header} is "HdrS"; {@code jump} is
 * a short forward jump ({@code EB xx}), which fixes the header's end at {@code 0x202 + xx}; the
 * file holds the whole header; {@code version} is at least 2.00; every field the version defines
 * lies inside the header. A header that passes keeps a copy of its bytes
 * {@code [0x1F1, end)}: exactly what a loader copies into the zero page.
 *
 * <p>Version 2.14 is "burnt" and treated as 2.13 ({@link #version()}); {@link #rawVersion()} keeps
 * what the file says. Only fields present in the version are reported by {@link #fields()} or
 * answered by {@link #get}.
 */
public final class SetupHeader {
    public static final int BOOT_FLAG = 0xAA55;
    /** "HdrS" little endian. */
    public static final long HDRS = 0x53726448L;
    /** The short jump opcode at 0x200. */
    public static final int JUMP_OPCODE = 0xEB;
    /** Where the header's length is counted from: the jump's displacement is relative to 0x202. */
    public static final int JUMP_BASE = 0x202;
    /** Bytes a file needs before its {@code version} can be read. */
    public static final int FIXED_PART_END = 0x208;
    /** Protocol versions this parser knows; newer versions are read as 2.15. */
    public static final int NEWEST_VERSION = 0x20F;
    /** Implicit {@code initrd_addr_max} before 2.03. */
    public static final long DEFAULT_INITRD_ADDR_MAX = 0x37FF_FFFFL;
    /** Implicit {@code cmdline_size} before 2.06. */
    public static final long DEFAULT_CMDLINE_SIZE = 255;

    /** One field present in the header's protocol version, with the value the file holds. */
    public record Field(SetupHeaderField field, long value) {
    }

    private final byte[] raw;
    private final int rawVersion;
    private final int version;

    private SetupHeader(byte[] raw, int rawVersion) {
        this.raw = raw;
        this.rawVersion = rawVersion;
        this.version = rawVersion == 0x20E ? 0x20D : rawVersion;
    }

    /** Parses and validates the setup header of {@code file} (see the class comment for the checks). */
    public static SetupHeader parse(ByteView file) {
        if (file.size() < FIXED_PART_END) {
            throw new ImageFormatException("bzimage.length", hex(file.size()), hex(file.size())
                    + " bytes is shorter than the setup header up to its version field (" + hex(FIXED_PART_END) + ")");
        }
        int bootFlag = file.u16(SetupHeaderField.BOOT_FLAG.offset(), SetupHeaderField.BOOT_FLAG.qualifiedName());
        if (bootFlag != BOOT_FLAG) {
            throw ImageFormatException.mismatch(SetupHeaderField.BOOT_FLAG.qualifiedName(), bootFlag, BOOT_FLAG);
        }
        long magic = file.u32(SetupHeaderField.HEADER.offset(), SetupHeaderField.HEADER.qualifiedName());
        if (magic != HDRS) {
            throw ImageFormatException.mismatch(SetupHeaderField.HEADER.qualifiedName(), magic, HDRS);
        }
        int opcode = file.u8(SetupHeaderField.JUMP.offset(), SetupHeaderField.JUMP.qualifiedName());
        if (opcode != JUMP_OPCODE) {
            throw ImageFormatException.mismatch(SetupHeaderField.JUMP.qualifiedName(), opcode, JUMP_OPCODE);
        }
        int displacement = (byte) file.u8(SetupHeaderField.JUMP.offset() + 1, SetupHeaderField.JUMP.qualifiedName());
        if (displacement <= 0) {
            throw new ImageFormatException(SetupHeaderField.JUMP.qualifiedName(), hex(displacement & 0xFF),
                    "jump displacement " + displacement + " does not jump forward over the header");
        }
        int end = JUMP_BASE + displacement;
        if (file.size() < end) {
            throw new ImageFormatException("bzimage.length", hex(file.size()), hex(file.size())
                    + " bytes ends inside the setup header, which ends at " + hex(end));
        }
        int rawVersion = file.u16(SetupHeaderField.VERSION.offset(), SetupHeaderField.VERSION.qualifiedName());
        if (rawVersion < 0x200) {
            throw new ImageFormatException(SetupHeaderField.VERSION.qualifiedName(), hex(rawVersion),
                    "protocol " + hex(rawVersion) + " is older than 2.00 although the header has HdrS");
        }
        int gating = Math.min(rawVersion == 0x20E ? 0x20D : rawVersion, NEWEST_VERSION);
        for (SetupHeaderField f : SetupHeaderField.values()) {
            if (f.presentIn(gating) && f.offset() + f.sizeIn(gating) > end) {
                throw new ImageFormatException(f.qualifiedName(), hex(end), "protocol "
                        + SetupHeaderField.versionString(rawVersion) + " defines it at " + hex(f.offset()) + ".."
                        + hex(f.offset() + f.sizeIn(gating)) + " but the header ends at " + hex(end));
            }
        }
        return new SetupHeader(file.copy(HEADER_START, end - HEADER_START, "setup_header"), rawVersion);
    }

    /** The protocol version as the file says it. */
    public int rawVersion() {
        return rawVersion;
    }

    /** The protocol version fields are gated by: 2.14 reads as 2.13, newer than 2.15 as 2.15. */
    public int version() {
        return Math.min(version, NEWEST_VERSION);
    }

    /** Exclusive file offset of the header's end: {@code 0x202 + byte[0x201]}. */
    public int end() {
        return HEADER_START + raw.length;
    }

    /** A copy of the header bytes {@code [0x1F1, end)}. */
    public byte[] bytes() {
        return raw.clone();
    }

    /** Whether the header's protocol version has {@code field}. */
    public boolean has(SetupHeaderField field) {
        return field.presentIn(version());
    }

    /**
     * The value of a field present in this header's version, unsigned.
     *
     * @throws IllegalArgumentException if the version does not have the field (a caller's bug:
     *                                  ask {@link #has} first)
     */
    public long get(SetupHeaderField field) {
        if (!has(field)) {
            throw new IllegalArgumentException(field.fieldName() + " is not in protocol " + SetupHeaderField.versionString(rawVersion));
        }
        MemorySegment s = MemorySegment.ofArray(raw);
        long at = field.offset() - HEADER_START;
        return switch (field.sizeIn(version())) {
            case 1 -> Byte.toUnsignedLong(s.get(ValueLayout.JAVA_BYTE, at));
            case 2 -> Short.toUnsignedLong(s.get(ByteView.U16, at));
            case 4 -> Integer.toUnsignedLong(s.get(ByteView.U32, at));
            case 8 -> s.get(ByteView.U64, at);
            default -> throw new AssertionError(field);
        };
    }

    /** The value of {@code field}, or {@code fallback} when the version does not have it. */
    public long getOr(SetupHeaderField field, long fallback) {
        return has(field) ? get(field) : fallback;
    }

    /** Every field the version defines, in file order, with its value. */
    public List<Field> fields() {
        List<Field> out = new ArrayList<>();
        for (SetupHeaderField f : SetupHeaderField.values()) {
            if (has(f)) {
                out.add(new Field(f, get(f)));
            }
        }
        return out;
    }

    /** Real-mode setup sectors; 0 in the file means 4. */
    public int setupSects() {
        int n = (int) get(SetupHeaderField.SETUP_SECTS);
        return n == 0 ? 4 : n;
    }

    /** File offset of the protected-mode code: {@code (setup_sects + 1) * 512}. */
    public long protectedModeOffset() {
        return (setupSects() + 1L) * 512;
    }

    public int loadFlags() {
        return (int) get(SetupHeaderField.LOADFLAGS);
    }

    /** {@code xloadflags}, 0 before 2.12. */
    public int xloadFlags() {
        return (int) getOr(SetupHeaderField.XLOADFLAGS, 0);
    }

    /** Longest command line the kernel takes, NUL excluded (255 before 2.06). */
    public long cmdlineSize() {
        return getOr(SetupHeaderField.CMDLINE_SIZE, DEFAULT_CMDLINE_SIZE);
    }

    /** Highest address the initrd may occupy, inclusive (0x37FFFFFF before 2.03). */
    public long initrdAddrMax() {
        return getOr(SetupHeaderField.INITRD_ADDR_MAX, DEFAULT_INITRD_ADDR_MAX);
    }

    /** Whether the protected-mode code may load anywhere aligned to {@link #kernelAlignment()} (2.05+). */
    public boolean relocatable() {
        return getOr(SetupHeaderField.RELOCATABLE_KERNEL, 0) != 0;
    }

    /** {@code kernel_alignment}, 0 before 2.05. */
    public long kernelAlignment() {
        return getOr(SetupHeaderField.KERNEL_ALIGNMENT, 0);
    }

    /** {@code pref_address}, or 0x100000 before 2.10. */
    public long prefAddress() {
        return getOr(SetupHeaderField.PREF_ADDRESS, 0x100000);
    }

    /** {@code init_size}, 0 before 2.10. */
    public long initSize() {
        return getOr(SetupHeaderField.INIT_SIZE, 0);
    }

    /** The kernel_version string's file offset, or 0 when the header has none. */
    public long kernelVersionOffset() {
        long v = get(SetupHeaderField.KERNEL_VERSION);
        return v == 0 ? 0 : v + 0x200;
    }
}
