package dev.jkexec.core.kexec;

import static dev.jkexec.platform.testing.fuzz.Hostile.check;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.jkexec.core.KexecException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.testing.fuzz.Hostile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzz target: a v1 guest's indirection list ({@link V1IndirectionList#read}), the walk Xen does
 * without bounds. Input: {@code u64 first_page, u64 window_base}, then the guest memory at
 * {@code window_base}. Beyond "only {@link KexecException}, no hang": at most 16 segments and at
 * most {@link #MAX_SOURCES} source pages; a segment's size is its page count; gathering a segment
 * gives exactly its source pages from guest memory, in list order. Seeds: the lists
 * {@link dev.jkexec.core.abi.AbiRequests#loadV1} writes for one to three segments, one list page
 * and several.
 */
@Pure
@Timeout(Hostile.TIMEOUT_SECONDS)
class V1IndirectionListFuzzTest {
    static final int MAX_INPUT = 512 << 10;
    static final long MAX_SOURCES = 64;
    static final long PAGE = KexecConfig.PAGE_SIZE;

    @FuzzTest
    void indirectionList(byte[] input) throws Exception {
        Hostile.parse(input, MAX_INPUT, KexecException.class, bytes -> {
            if (bytes.length < 16) {
                return;
            }
            MemorySegment s = MemorySegment.ofArray(bytes);
            ValueLayout.OfLong u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
            long first = s.get(u64, 0);
            long base = s.get(u64, 8) & 0x0000_FFFF_FFFF_F000L;
            PhysicalMemory guest = PhysicalMemory.window(base, MemorySegment.ofArray(Arrays.copyOfRange(bytes, 16, bytes.length)));
            V1IndirectionList list = V1IndirectionList.read(guest, first, MAX_SOURCES);
            List<SegmentDescriptor> segs = list.segments();
            check(segs.size() <= KexecImage.MAX_SEGMENTS_V1, segs.size() + " segments");
            check(list.sourcePages() <= MAX_SOURCES, list.sourcePages() + " source pages");
            long total = 0;
            try (Arena arena = Arena.ofConfined()) {
                for (int i = 0; i < segs.size(); i++) {
                    long[] pages = list.sourcePages(i);
                    total += pages.length;
                    check(segs.get(i).destSize() == pages.length * PAGE && segs.get(i).buffered() == (pages.length > 0), "segment " + i + " size");
                    MemorySegment gathered;
                    try {
                        gathered = list.buffer(i, guest, arena);
                    } catch (KexecException e) {
                        Hostile.rejected(e);
                        continue;
                    }
                    for (int k = 0; k < pages.length; k++) {
                        check(gathered.asSlice(k * PAGE, PAGE).mismatch(guest.slice(pages[k], PAGE)) == -1, "segment " + i + " page " + k);
                    }
                }
            }
            check(total == list.sourcePages(), "source pages counted twice or lost");
        });
    }
}
