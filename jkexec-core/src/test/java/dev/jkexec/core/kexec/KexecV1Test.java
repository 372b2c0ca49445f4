package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.Fixtures.CRASH;
import static dev.jkexec.core.kexec.Fixtures.MIB;
import static dev.jkexec.core.kexec.Fixtures.PAGE;
import static dev.jkexec.core.kexec.PageListEntry.IND_DESTINATION;
import static dev.jkexec.core.kexec.PageListEntry.IND_DONE;
import static dev.jkexec.core.kexec.PageListEntry.IND_INDIRECTION;
import static dev.jkexec.core.kexec.PageListEntry.IND_SOURCE;
import static dev.jkexec.core.kexec.PageListEntry.IND_ZERO;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.testing.Pure;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The v1 shim (spec §7): a guest indirection list in guest memory, loaded through the same path as the new op. */
@Pure
class KexecV1Test {
    private static final long LIST = 12 * MIB;      // first guest list page
    private static final long LIST2 = 12 * MIB + 0x5000;
    private static final long SRC = 13 * MIB;       // guest source pages
    private final Kexec kexec = Fixtures.kexec();
    private final PhysicalMemory guest = kexec.memory();

    private void entries(long page, long... es) {
        for (int i = 0; i < es.length; i++) {
            guest.writeLong(page + 8L * i, es[i]);
        }
    }

    private long source(int n, int fill) {
        long at = SRC + n * PAGE;
        guest.slice(at, PAGE).fill((byte) fill);
        return at;
    }

    private int byteAt(long a) {
        return guest.read(a, 1)[0] & 0xFF;
    }

    @Test
    void default_list_becomes_segments_and_execs_like_a_new_load() {
        long a = 2 * MIB;
        long b = 6 * MIB;
        entries(LIST, a | IND_DESTINATION, source(0, 0x11) | IND_SOURCE, LIST2 | IND_INDIRECTION);
        entries(LIST2, (a + PAGE) | IND_DESTINATION, source(1, 0x22) | IND_SOURCE,   // contiguous: same segment
                b | IND_DESTINATION, source(2, 0x33) | 0x40 | IND_SOURCE,              // bits 4..11 other than the flag are ignored
                IND_DONE);
        kexec.loadV1(0, LIST | 0x123, a + 0x10, guest);
        ImageInfo info = kexec.image(ImageType.DEFAULT).orElseThrow();
        assertThat(info.v1()).isTrue();
        assertThat(info.arch()).isEqualTo(Arch.X86_64);
        assertThat(info.entry()).isEqualTo(a + 0x10);
        assertThat(info.segments()).extracting(SegmentDescriptor::dest, SegmentDescriptor::destSize, SegmentDescriptor::bufSize)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(a, 2 * PAGE, 2 * PAGE), org.assertj.core.groups.Tuple.tuple(b, PAGE, PAGE));
        // The guest may change its pages afterwards: the image was copied at load.
        source(0, 0x99);
        HandoverPlan plan = kexec.exec(ImageType.DEFAULT, p -> PageListWalker.walk(guest, p.pageListHead()));
        assertThat(byteAt(a)).isEqualTo(0x11);
        assertThat(byteAt(a + PAGE + 4095)).isEqualTo(0x22);
        assertThat(byteAt(b)).isEqualTo(0x33);
        assertThat(plan.mappedRanges()).contains(Kexec.V1_LOW_MAPPING);
    }

    @Test
    void crash_list_is_written_into_the_crash_region_at_load() {
        long a = CRASH.start() + 16 * PAGE;
        entries(LIST, a | IND_DESTINATION, source(0, 0x44) | IND_SOURCE, IND_DONE);
        kexec.loadV1(1, LIST, a, guest);
        assertThat(byteAt(a + 100)).isEqualTo(0x44);
        HandoverPlan plan = kexec.exec(ImageType.CRASH, p -> { });
        assertThat(plan.inPlaceRanges()).containsExactly(new PhysicalRange(a, PAGE));
    }

    @Test
    void sixteen_segments_are_accepted_in_v1() {
        long[] es = new long[33];
        for (int i = 0; i < 16; i++) {
            es[2 * i] = (2 * MIB + 2 * i * PAGE) | IND_DESTINATION;
            es[2 * i + 1] = source(i, i) | IND_SOURCE;
        }
        es[32] = IND_DONE;
        entries(LIST, es);
        kexec.loadV1(0, LIST, 0, guest);
        assertThat(kexec.image(ImageType.DEFAULT).orElseThrow().segments()).hasSize(16);
        kexec.unloadV1(ImageType.DEFAULT);
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
    }

    static Arguments row(String name, Consumer<KexecV1Test> list, int type, Errno errno, String fragment) {
        return Arguments.of(name, list, type, errno, fragment);
    }

    static Stream<Arguments> badLists() {
        long a = 2 * MIB;
        return Stream.of(
                row("entry 0", t -> t.entries(LIST, a | IND_DESTINATION, 0), 0, Errno.EINVAL, "list entry 0x0 at 0xc00008 has flags 0x0"),
                row("two flags", t -> t.entries(LIST, a | IND_DESTINATION | IND_SOURCE), 0, Errno.EINVAL, "has flags 0x9"),
                row("IND_ZERO is not v1", t -> t.entries(LIST, a | IND_DESTINATION, IND_ZERO), 0, Errno.EINVAL, "has flags 0x0"),
                row("source first", t -> t.entries(LIST, t.source(0, 1) | IND_SOURCE, IND_DONE), 0, Errno.EINVAL,
                        "IND_SOURCE 0xd00000 at 0xc00000 before any IND_DESTINATION"),
                row("17 segments", t -> {
                    long[] es = new long[18];
                    for (int i = 0; i < 17; i++) {
                        es[i] = (a + 2 * i * PAGE) | IND_DESTINATION;
                    }
                    es[17] = IND_DONE;
                    t.entries(LIST, es);
                }, 0, Errno.EINVAL, "starts segment 17, more than 16"),
                row("cycle", t -> {
                    t.entries(LIST, a | IND_DESTINATION, LIST2 | IND_INDIRECTION);
                    t.entries(LIST2, LIST | IND_INDIRECTION);
                }, 0, Errno.EINVAL, "links back to list page 0xc00000 (a cycle)"),
                row("self link", t -> t.entries(LIST, LIST | IND_INDIRECTION), 0, Errno.EINVAL, "a cycle"),
                row("no terminator in 512 slots", t -> {
                    long[] es = new long[512];
                    java.util.Arrays.fill(es, a | IND_DESTINATION);
                    t.entries(LIST, es);
                }, 0, Errno.EINVAL, "list page 0xc00000 ends without IND_INDIRECTION or IND_DONE"),
                row("list outside guest memory", t -> t.entries(LIST, 64 * MIB | IND_INDIRECTION), 0, Errno.EFAULT,
                        "image.indirection_page: list entry at 0x4000000 outside guest memory"),
                row("source outside guest memory", t -> t.entries(LIST, a | IND_DESTINATION, 40 * MIB | IND_SOURCE, IND_DONE), 0,
                        Errno.EFAULT, "IND_SOURCE 0x2800000 outside guest memory"),
                row("bad type after a good list", t -> t.entries(LIST, a | IND_DESTINATION, t.source(0, 1) | IND_SOURCE, IND_DONE), 5,
                        Errno.EINVAL, "type: 5"),
                row("bad list before bad type", t -> t.entries(LIST, 64 * MIB | IND_INDIRECTION), 5, Errno.EFAULT, "outside guest memory"),
                row("overlapping segments", t -> t.entries(LIST, a | IND_DESTINATION, t.source(0, 1) | IND_SOURCE,
                        a | IND_DESTINATION, t.source(1, 1) | IND_SOURCE, IND_DONE), 0, Errno.EINVAL, "segments[1]: destination"),
                row("crash outside the region", t -> t.entries(LIST, a | IND_DESTINATION, t.source(0, 1) | IND_SOURCE, IND_DONE), 1,
                        Errno.EADDRNOTAVAIL, "entry_maddr"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLists")
    void bad_lists_are_refused_and_change_nothing(String name, Consumer<KexecV1Test> list, int type, Errno errno, String fragment) {
        kexec.load(Fixtures.crashImage(1));
        Sha256 crash = kexec.image(ImageType.CRASH).orElseThrow().sha256();
        list.accept(this);
        KexecException e = catchThrowableOfType(KexecException.class, () -> kexec.loadV1(type, LIST, 2 * MIB, guest));
        assertThat(e).as(name).isNotNull();
        assertThat(e.errno()).isEqualTo(errno);
        assertThat(e.getMessage()).contains(fragment);
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
        assertThat(kexec.image(ImageType.CRASH).orElseThrow().sha256()).isEqualTo(crash);
        kexec.exec(ImageType.CRASH, p -> { });
    }

    @Test
    void more_source_pages_than_any_image_may_hold_is_enomem_while_walking() {
        Kexec small = new Kexec(Fixtures.config().withCrashRegion(0, 0).withMaxDefaultImageBytes(2 * PAGE), Fixtures.memory());
        PhysicalMemory g = small.memory();
        g.writeLong(LIST, 2 * MIB | IND_DESTINATION);
        for (int i = 1; i <= 3; i++) {
            g.writeLong(LIST + 8L * i, SRC | IND_SOURCE);
        }
        g.writeLong(LIST + 32, IND_DONE);
        KexecException e = catchThrowableOfType(KexecException.class, () -> small.loadV1(0, LIST, 0, g));
        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(e.getMessage()).contains("more than 2 IND_SOURCE pages");
    }
}
