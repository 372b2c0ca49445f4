package dev.jkexec.platform.x86;

/** A descriptor table register (GDTR, IDTR): base and limit (size − 1). */
public record DescriptorTable(long base, int limit) {
    @Override
    public String toString() {
        return String.format("base=%x limit=%x", base, limit);
    }
}
