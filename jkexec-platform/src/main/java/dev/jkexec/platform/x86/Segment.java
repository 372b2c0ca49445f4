package dev.jkexec.platform.x86;

/**
 * A segment register as the CPU holds it: the selector and the descriptor cache loaded from it.
 *
 * @param selector the visible selector
 * @param base     the cached base (64-bit for FS/GS/LDT/TR in long mode)
 * @param limit    the cached limit, in bytes (QEMU has already applied granularity)
 * @param flags    the cached attributes in descriptor-high-dword layout, bits 8–23, as QEMU
 *                 prints them ({@code 0x00af9b00} for 64-bit code): type 8–11, S 12, DPL 13–14,
 *                 P 15, AVL 20, L 21, D/B 22, G 23
 */
public record Segment(int selector, long base, long limit, int flags) {
    /** Descriptor type field (bits 8–11). */
    public int type() {
        return (flags >>> 8) & 0xF;
    }

    /** S: a code or data segment (not a system segment). */
    public boolean codeOrData() {
        return (flags & (1 << 12)) != 0;
    }

    /** A code segment (S set and type bit 3 set). */
    public boolean code() {
        return codeOrData() && (type() & 0x8) != 0;
    }

    public int dpl() {
        return (flags >>> 13) & 3;
    }

    public boolean present() {
        return (flags & (1 << 15)) != 0;
    }

    /** L: a 64-bit code segment. */
    public boolean longMode() {
        return (flags & (1 << 21)) != 0;
    }

    /** D/B: 32-bit default operand size (code) or big stack (data). */
    public boolean defaultBig() {
        return (flags & (1 << 22)) != 0;
    }

    @Override
    public String toString() {
        return String.format("%04x base=%x limit=%x flags=%08x", selector, base, limit, flags);
    }
}
