package dev.jkexec.platform.x86;

/**
 * An x86 code or data segment descriptor (one 8-byte GDT entry), encoded and decoded.
 *
 * <p>Layout (SDM vol. 3, 3.4.5): limit[15:0], base[23:0], access byte (type, S, DPL, P),
 * limit[19:16], flags (AVL, L, D/B, G), base[31:24]. The constants are the descriptors the Linux
 * boot protocol names (x86-boot-and-kexec.md §3, §9); the accessed bit is preset so the CPU never
 * writes a descriptor back (our firmware GDT lives in ROM).
 *
 * @param base   segment base
 * @param limit  20-bit limit (in 4 KiB units when {@code granularity4k})
 * @param access the access byte: P(0x80) DPL(0x60) S(0x10) type(0x0F)
 * @param flags  the high nibble: G(0x8) D/B(0x4) L(0x2) AVL(0x1)
 */
public record SegmentDescriptor(long base, int limit, int access, int flags) {
    /** Flat 4 GiB 64-bit code, ring 0 (L=1, D=0): 0x00AF9B000000FFFF. */
    public static final SegmentDescriptor CODE64 = new SegmentDescriptor(0, 0xFFFFF, 0x9B, 0xA);
    /** Flat 4 GiB 32-bit code, ring 0 (D=1): 0x00CF9B000000FFFF. */
    public static final SegmentDescriptor CODE32 = new SegmentDescriptor(0, 0xFFFFF, 0x9B, 0xC);
    /** Flat 4 GiB read/write data, ring 0: 0x00CF93000000FFFF. */
    public static final SegmentDescriptor DATA = new SegmentDescriptor(0, 0xFFFFF, 0x93, 0xC);

    public SegmentDescriptor {
        if (base < 0 || base > 0xFFFF_FFFFL || limit < 0 || limit > 0xFFFFF || access < 0 || access > 0xFF
                || flags < 0 || flags > 0xF) {
            throw new IllegalArgumentException("descriptor field out of range");
        }
    }

    /** The 8-byte descriptor as a little-endian quadword. */
    public long encode() {
        return (limit & 0xFFFFL)
                | (base & 0xFFFFFFL) << 16
                | (long) access << 40
                | (long) (limit >>> 16 & 0xF) << 48
                | (long) flags << 52
                | (base >>> 24 & 0xFF) << 56;
    }

    /** Decodes an 8-byte descriptor. */
    public static SegmentDescriptor decode(long q) {
        long base = (q >>> 16 & 0xFFFFFF) | (q >>> 56 & 0xFF) << 24;
        int limit = (int) (q & 0xFFFF) | (int) (q >>> 48 & 0xF) << 16;
        return new SegmentDescriptor(base, limit, (int) (q >>> 40 & 0xFF), (int) (q >>> 52 & 0xF));
    }

    public boolean present() {
        return (access & 0x80) != 0;
    }

    public int dpl() {
        return access >>> 5 & 3;
    }

    /** A code segment (S=1, type bit 3 set). */
    public boolean code() {
        return (access & 0x18) == 0x18;
    }

    /** A writable data segment (S=1, type bit 3 clear, W set). */
    public boolean writableData() {
        return (access & 0x1A) == 0x12;
    }

    /** The L bit: a 64-bit code segment. */
    public boolean longMode() {
        return (flags & 0x2) != 0;
    }

    /** The D/B bit: 32-bit default operand size. */
    public boolean defaultBig() {
        return (flags & 0x4) != 0;
    }

    /** The effective limit in bytes minus one, with granularity applied. */
    public long byteLimit() {
        return (flags & 0x8) != 0 ? ((long) limit << 12) | 0xFFF : limit;
    }

    /** Base 0 and a 4 GiB limit. */
    public boolean flat() {
        return base == 0 && byteLimit() == 0xFFFF_FFFFL;
    }
}
