package dev.jkexec.core.abi;

import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;

import dev.jkexec.core.kexec.PageListEntry;
import dev.jkexec.platform.x86.Paging;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds {@link AbiRequestFile}s: a request laid out in a memory window the way a guest would lay
 * it out. Values are written as given — invalid types, arches or sizes included — so tests and
 * the {@code jkexec abi encode} command can make hostile requests too.
 *
 * <p>Layout, from {@code base} (page aligned): the argument structure at {@code base}; a load's
 * segment array at {@code base + 0x100}; then, page aligned, each buffer in segment order; a v1
 * load's indirection list pages, then its source pages.
 */
public final class AbiRequests {
    private static final int PAGE = (int) Paging.PAGE_SIZE;
    private static final int ARRAY_OFFSET = 0x100;

    private AbiRequests() {
    }

    /**
     * A segment to encode.
     *
     * @param data     buffer bytes, or {@code null} for a mapping-only segment ({@code buf = 0})
     * @param dest     {@code dest_maddr}
     * @param destSize {@code dest_size}
     */
    public record Segment(byte[] data, long dest, long destSize) {
    }

    public static AbiRequestFile exec(long base, int type) {
        return single(KexecCommand.EXEC.code(), base, new XenKexecExec(type));
    }

    public static AbiRequestFile unload(long base, int type) {
        return single(KexecCommand.UNLOAD.code(), base, new XenKexecUnload(type));
    }

    public static AbiRequestFile status(long base, int type) {
        return single(KexecCommand.STATUS.code(), base, new XenKexecStatus(type));
    }

    public static AbiRequestFile getRange(long base, int range, int nr) {
        return single(KexecCommand.GET_RANGE.code(), base, new XenKexecRange(range, nr, 0, 0));
    }

    public static AbiRequestFile unloadV1(long base, int type) {
        return single(KexecCommand.UNLOAD_V1.code(), base, new XenKexecLoadV1(type, XenKexecImage.of(0, 0)));
    }

    /** Any command number with an all-zero argument of {@code argSize} bytes (for unknown commands). */
    public static AbiRequestFile raw(long cmd, long base, int argSize) {
        return new AbiRequestFile(cmd, base, base, new byte[Math.max(argSize, 1)]);
    }

    /** {@code KEXEC_CMD_kexec_load} with its segment array and buffers. */
    public static AbiRequestFile load(long base, int type, int arch, long entry, List<Segment> segments) {
        requirePageAligned(base);
        long bufferStart = roundUp(ARRAY_OFFSET + segments.size() * XenKexecSegment.SIZE);
        long size = bufferStart;
        for (Segment s : segments) {
            size += s.data() == null ? 0 : roundUp(s.data().length);
        }
        byte[] memory = new byte[Math.toIntExact(size)];
        MemorySegment m = MemorySegment.ofArray(memory);
        new XenKexecLoad(type, arch, segments.size(), base + ARRAY_OFFSET, entry).write(m);
        long at = bufferStart;
        for (int i = 0; i < segments.size(); i++) {
            Segment s = segments.get(i);
            long buf = 0;
            long bufSize = 0;
            if (s.data() != null) {
                buf = base + at;
                bufSize = s.data().length;
                MemorySegment.copy(MemorySegment.ofArray(s.data()), 0, m, at, bufSize);
                at += roundUp(bufSize);
            }
            new XenKexecSegment(buf, bufSize, s.dest(), s.destSize()).write(m.asSlice(ARRAY_OFFSET + i * XenKexecSegment.SIZE));
        }
        return new AbiRequestFile(KexecCommand.LOAD.code(), base, base, memory);
    }

    /**
     * {@code KEXEC_CMD_kexec_load_v1}: each segment's data padded to whole pages, described by a
     * 64-bit indirection list ({@code DESTINATION}, one {@code SOURCE} per page, {@code DONE}),
     * 511 entries per list page and the link in slot 511.
     */
    public static AbiRequestFile loadV1(long base, int type, long entry, List<Segment> segments) {
        requirePageAligned(base);
        List<long[]> plan = new ArrayList<>(); // {dest, pages}
        long entries = 1;
        long sourcePages = 0;
        for (Segment s : segments) {
            long pages = s.data() == null ? 0 : roundUp(s.data().length) / PAGE;
            plan.add(new long[] {s.dest(), pages});
            entries += 1 + pages;
            sourcePages += pages;
        }
        long listPages = Math.max(1, (entries - 1 + PageListEntry.DATA_SLOTS - 1) / PageListEntry.DATA_SLOTS);
        long listStart = PAGE;
        long sourceStart = listStart + listPages * PAGE;
        byte[] memory = new byte[Math.toIntExact(sourceStart + sourcePages * PAGE)];
        MemorySegment m = MemorySegment.ofArray(memory);
        new XenKexecLoadV1(type, XenKexecImage.of(base + listStart, entry)).write(m);
        ListWriter list = new ListWriter(m, base, listStart);
        long src = sourceStart;
        for (int i = 0; i < segments.size(); i++) {
            list.add(plan.get(i)[0] | IND_DESTINATION);
            byte[] data = segments.get(i).data();
            for (long p = 0; p < plan.get(i)[1]; p++) {
                int from = (int) (p * PAGE);
                MemorySegment.copy(MemorySegment.ofArray(data), from, m, src, Math.min(PAGE, data.length - from));
                list.add((base + src) | IND_SOURCE);
                src += PAGE;
            }
        }
        list.done();
        return new AbiRequestFile(KexecCommand.LOAD_V1.code(), base, base, memory);
    }

    /** Appends 64-bit entries to consecutive list pages, linking them at slot 511. */
    private static final class ListWriter {
        private final MemorySegment m;
        private final long base;
        private long page;
        private int slot;

        ListWriter(MemorySegment m, long base, long firstPage) {
            this.m = m;
            this.base = base;
            this.page = firstPage;
        }

        void add(long entry) {
            if (slot == PageListEntry.LINK_SLOT) {
                Le.u64(m, page + 8L * slot, (base + page + PAGE) | IND_INDIRECTION);
                page += PAGE;
                slot = 0;
            }
            Le.u64(m, page + 8L * slot++, entry);
        }

        void done() {
            Le.u64(m, page + 8L * slot, IND_DONE);
        }
    }

    private static AbiRequestFile single(long cmd, long base, AbiStruct argument) {
        return new AbiRequestFile(cmd, base, base, argument.toBytes());
    }

    private static long roundUp(long n) {
        return (n + PAGE - 1) & -PAGE;
    }

    private static void requirePageAligned(long base) {
        if ((base & (PAGE - 1)) != 0) {
            throw new IllegalArgumentException("base 0x" + Long.toHexString(base) + " is not page aligned");
        }
    }
}
