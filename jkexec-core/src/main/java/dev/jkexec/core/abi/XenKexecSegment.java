package dev.jkexec.core.abi;

import java.lang.foreign.MemorySegment;

/**
 * {@code xen_kexec_segment_t}, 32 bytes, identical for 64- and 32-bit callers (spec §2.1):
 * <pre>
 *  0  u64 buf        guest handle (here: guest-physical address); 0 = mapping only
 *  8  u64 buf_size
 * 16  u64 dest_maddr
 * 24  u64 dest_size
 * </pre>
 */
public record XenKexecSegment(long buf, long bufSize, long destMaddr, long destSize) implements AbiStruct {
    public static final long SIZE = 32;
    public static final long BUF = 0;
    public static final long BUF_SIZE = 8;
    public static final long DEST_MADDR = 16;
    public static final long DEST_SIZE = 24;

    public static XenKexecSegment read(MemorySegment from) {
        return new XenKexecSegment(Le.u64(from, BUF), Le.u64(from, BUF_SIZE), Le.u64(from, DEST_MADDR), Le.u64(from, DEST_SIZE));
    }

    @Override
    public void write(MemorySegment to) {
        Le.u64(to, BUF, buf);
        Le.u64(to, BUF_SIZE, bufSize);
        Le.u64(to, DEST_MADDR, destMaddr);
        Le.u64(to, DEST_SIZE, destSize);
    }

    @Override
    public String cName() {
        return "xen_kexec_segment";
    }

    @Override
    public long size() {
        return SIZE;
    }
}
