package dev.jkexec.core.abi;

import java.lang.foreign.MemorySegment;

/**
 * {@code xen_kexec_load_t}, 24 bytes, identical for 64- and 32-bit callers (spec §2.1):
 * <pre>
 *  0  u8  type          KEXEC_TYPE_*
 *  1  u8  _pad          ignored
 *  2  u16 arch          ELF e_machine
 *  4  u32 nr_segments
 *  8  u64 segments      guest handle of the xen_kexec_segment array (here: guest-physical)
 * 16  u64 entry_maddr
 * </pre>
 */
public record XenKexecLoad(int type, int arch, long nrSegments, long segments, long entryMaddr) implements AbiStruct {
    public static final long SIZE = 24;
    public static final long TYPE = 0;
    public static final long PAD = 1;
    public static final long ARCH = 2;
    public static final long NR_SEGMENTS = 4;
    public static final long SEGMENTS = 8;
    public static final long ENTRY_MADDR = 16;

    public XenKexecLoad {
        if (type < 0 || type > 0xFF || arch < 0 || arch > 0xFFFF || nrSegments < 0 || nrSegments > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("field out of range: type " + type + ", arch " + arch + ", nr_segments " + nrSegments);
        }
    }

    public static XenKexecLoad read(MemorySegment from) {
        return new XenKexecLoad(Le.u8(from, TYPE), Le.u16(from, ARCH), Le.u32(from, NR_SEGMENTS), Le.u64(from, SEGMENTS),
                Le.u64(from, ENTRY_MADDR));
    }

    @Override
    public void write(MemorySegment to) {
        Le.u8(to, TYPE, type);
        Le.u8(to, PAD, 0);
        Le.u16(to, ARCH, arch);
        Le.u32(to, NR_SEGMENTS, nrSegments);
        Le.u64(to, SEGMENTS, segments);
        Le.u64(to, ENTRY_MADDR, entryMaddr);
    }

    @Override
    public String cName() {
        return "xen_kexec_load";
    }

    @Override
    public long size() {
        return SIZE;
    }
}
