package dev.jkexec.core.abi;

import java.lang.foreign.MemorySegment;

/**
 * {@code xen_kexec_range_t} (spec §2.2). Native 64-bit layout, 24 bytes:
 * <pre>
 *  0  i32 range   in: KEXEC_RANGE_MA_*
 *  4  i32 nr      in: vCPU for MA_CPU
 *  8  u64 size    out
 * 16  u64 start   out
 * </pre>
 * The 32-bit (compat) layout is 16 bytes: range@0, nr@4, size@8 (u32), start@12 (u32); jkexec
 * serves only the native layout, the compat one is documented by {@link #COMPAT_SIZE} and its
 * offsets.
 */
public record XenKexecRange(int range, int nr, long size, long start) implements AbiStruct {
    public static final long SIZE = 24;
    public static final long RANGE = 0;
    public static final long NR = 4;
    public static final long SIZE_FIELD = 8;
    public static final long START = 16;
    public static final long COMPAT_SIZE = 16;
    public static final long COMPAT_SIZE_FIELD = 8;
    public static final long COMPAT_START = 12;

    public static XenKexecRange read(MemorySegment from) {
        return new XenKexecRange(Le.i32(from, RANGE), Le.i32(from, NR), Le.u64(from, SIZE_FIELD), Le.u64(from, START));
    }

    @Override
    public void write(MemorySegment to) {
        Le.u32(to, RANGE, range);
        Le.u32(to, NR, nr);
        Le.u64(to, SIZE_FIELD, size);
        Le.u64(to, START, start);
    }

    @Override
    public String cName() {
        return "xen_kexec_range";
    }

    @Override
    public long size() {
        return SIZE;
    }
}
