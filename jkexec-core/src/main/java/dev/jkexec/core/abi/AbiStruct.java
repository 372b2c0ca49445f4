package dev.jkexec.core.abi;

import java.lang.foreign.MemorySegment;

/**
 * One of the {@code kexec_op} argument structures of spec §2, in its native 64-bit layout. Each
 * is a record with its {@code SIZE} and field offsets as constants, a static {@code read} from
 * bytes and {@link #write} to bytes. Reads never fail on values: every bit pattern decodes (the
 * rules judge the values later); they only need {@link #size()} bytes.
 */
public sealed interface AbiStruct
        permits XenKexecSegment, XenKexecLoad, XenKexecUnload, XenKexecStatus, XenKexecExec, XenKexecRange, XenKexecImage,
                XenKexecLoadV1 {
    /** The C name, e.g. {@code xen_kexec_load}. */
    String cName();

    /** Bytes of the native layout. */
    long size();

    /** Writes the structure at offset 0 of {@code to} (at least {@link #size()} bytes). */
    void write(MemorySegment to);

    /** The structure's bytes. */
    default byte[] toBytes() {
        byte[] b = new byte[Math.toIntExact(size())];
        write(MemorySegment.ofArray(b));
        return b;
    }
}
