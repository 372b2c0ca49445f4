package dev.jkexec.platform.x86;

/**
 * A position in assembled code, bound once with {@link Assembler#bind}. Forward references are
 * recorded as fixups and patched when the code is assembled.
 */
public final class Label {
    private final String name;
    private long address = -1;

    Label(String name) {
        this.name = name;
    }

    boolean bound() {
        return address >= 0;
    }

    void bindTo(long address) {
        if (bound()) {
            throw new IllegalStateException("label " + name + " bound twice");
        }
        this.address = address;
    }

    /** The absolute address the label was bound to. */
    public long address() {
        if (!bound()) {
            throw new IllegalStateException("label " + name + " is not bound");
        }
        return address;
    }

    public String name() {
        return name;
    }

    @Override
    public String toString() {
        return bound() ? name + "@0x" + Long.toHexString(address) : name + "@unbound";
    }
}
