package dev.jkexec.core.contract;

/**
 * A segment register as the CPU holds it: the selector and the descriptor cache loaded from it.
 *
 * @param selector the visible selector
 * @param base     cached base
 * @param limit    cached byte limit
 * @param flags    the descriptor's attribute dword as QEMU prints it (bits 8..15 access byte,
 *                 bits 20..23 G, D/B, L, AVL), e.g. {@code 0x00af9b00} for 64-bit code
 */
public record SegmentCache(int selector, long base, long limit, long flags) {
    public int access() {
        return (int) (flags >>> 8 & 0xFF);
    }

    public boolean longMode() {
        return (flags & (1L << 21)) != 0;
    }

    public boolean defaultBig() {
        return (flags & (1L << 22)) != 0;
    }

    public boolean present() {
        return (access() & 0x80) != 0;
    }
}
