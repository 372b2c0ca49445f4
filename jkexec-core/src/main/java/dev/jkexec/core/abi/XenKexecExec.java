package dev.jkexec.core.abi;

import java.lang.foreign.MemorySegment;

/** {@code xen_kexec_exec_t}, 4 bytes: {@code int32 type} at 0; same for compat callers ("check only" in xlat.lst, spec §2.1). */
public record XenKexecExec(int type) implements AbiStruct {
    public static final long SIZE = 4;
    public static final long TYPE = 0;

    public static XenKexecExec read(MemorySegment from) {
        return new XenKexecExec(Le.i32(from, TYPE));
    }

    @Override
    public void write(MemorySegment to) {
        Le.u32(to, TYPE, type);
    }

    @Override
    public String cName() {
        return "xen_kexec_exec";
    }

    @Override
    public long size() {
        return SIZE;
    }
}
