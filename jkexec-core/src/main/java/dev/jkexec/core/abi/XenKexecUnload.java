package dev.jkexec.core.abi;

import java.lang.foreign.MemorySegment;

/** {@code xen_kexec_unload_t}, 1 byte: {@code u8 type} at 0 (spec §2.1). */
public record XenKexecUnload(int type) implements AbiStruct {
    public static final long SIZE = 1;
    public static final long TYPE = 0;

    public XenKexecUnload {
        if (type < 0 || type > 0xFF) {
            throw new IllegalArgumentException("type " + type + " is not a u8");
        }
    }

    public static XenKexecUnload read(MemorySegment from) {
        return new XenKexecUnload(Le.u8(from, TYPE));
    }

    @Override
    public void write(MemorySegment to) {
        Le.u8(to, TYPE, type);
    }

    @Override
    public String cName() {
        return "xen_kexec_unload";
    }

    @Override
    public long size() {
        return SIZE;
    }
}
