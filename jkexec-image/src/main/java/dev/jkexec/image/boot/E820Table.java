package dev.jkexec.image.boot;

import dev.jkexec.image.ByteView;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryMap;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PcPlatform;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An e820 table: the ranges of a {@link MemoryMap} as 20-byte {@code {u64 addr; u64 size; u32 type}}
 * entries, in address order. The first {@link ZeroPage#E820_MAX} go into the zero page; the rest
 * (if any) into a {@code SETUP_E820_EXT} setup_data node, as kexec-tools does (the kernel's own
 * kexec_file loader truncates instead).
 */
public record E820Table(List<MemoryRange> entries) {
    public E820Table {
        entries = List.copyOf(entries);
    }

    public static E820Table of(MemoryMap map) {
        return new E820Table(map.ranges().stream().filter(r -> r.size() > 0).toList());
    }

    /** The entries the zero page holds. */
    public List<MemoryRange> inZeroPage() {
        return entries.subList(0, Math.min(entries.size(), ZeroPage.E820_MAX));
    }

    /** The entries that go to the SETUP_E820_EXT node (empty for 128 entries or fewer). */
    public List<MemoryRange> overflow() {
        return entries.size() <= ZeroPage.E820_MAX ? List.of() : entries.subList(ZeroPage.E820_MAX, entries.size());
    }

    /** Packed entries, 20 bytes each. */
    public static byte[] encode(List<MemoryRange> ranges) {
        byte[] out = new byte[ranges.size() * ZeroPage.E820_ENTRY_SIZE];
        MemorySegment s = MemorySegment.ofArray(out);
        for (int i = 0; i < ranges.size(); i++) {
            MemoryRange r = ranges.get(i);
            long at = (long) i * ZeroPage.E820_ENTRY_SIZE;
            s.set(ByteView.U64, at, r.start());
            s.set(ByteView.U64, at + 8, r.size());
            s.set(ByteView.U32, at + 16, r.type().code());
        }
        return out;
    }

    /** Decodes packed entries; unknown types read as RESERVED. */
    public static List<MemoryRange> decode(byte[] packed) {
        ByteView v = ByteView.of(packed, "e820 entries");
        List<MemoryRange> out = new ArrayList<>();
        for (int at = 0; at + ZeroPage.E820_ENTRY_SIZE <= packed.length; at += ZeroPage.E820_ENTRY_SIZE) {
            E820Type t = E820Type.ofCode(v.u32(at + 16, "e820.type"));
            out.add(new MemoryRange(v.u64(at, "e820.addr"), v.u64(at + 8, "e820.size"), t == null ? E820Type.RESERVED : t));
        }
        return out;
    }

    /**
     * {@code mem_k} from the RAM entry that spans 1 MiB: {@code (end >> 10) - 1024}, or 0 when no RAM
     * entry spans it (a crash kernel's map). ext_mem_k is this capped at 0xFC00, alt_mem_k at 2^32-1.
     */
    public long memK() {
        for (MemoryRange r : entries) {
            if (r.type() == E820Type.RAM && r.contains(PcPlatform.ONE_MIB)) {
                return (r.end() >> 10) - 1024;
            }
        }
        return 0;
    }
}
