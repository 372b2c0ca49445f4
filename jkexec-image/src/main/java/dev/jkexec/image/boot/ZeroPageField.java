package dev.jkexec.image.boot;

/**
 * One zero page field a loader wrote, for descriptions: its boot.rst name, offset, size and value.
 * The e820 table itself is described by its entries, not as a field.
 */
public record ZeroPageField(String name, int offset, int size, long value) {
    @Override
    public String toString() {
        return String.format("%-18s bp+0x%03x = 0x%x", name, offset, value);
    }
}
