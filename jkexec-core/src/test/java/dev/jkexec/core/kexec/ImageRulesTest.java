package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.Fixtures.CRASH;
import static dev.jkexec.core.kexec.Fixtures.PAGE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.image.KexecImage;
import dev.jkexec.platform.testing.Pure;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Each rule of spec §3.1 on its own, one table row per violation, then the order {@link ImageRules#check} runs them in. */
@Pure
class ImageRulesTest {
    private static final KexecConfig CONFIG = Fixtures.config();

    /** A 64 MiB guest's RAM: below 640 KiB and from 1 MiB. */
    static final List<PhysicalRange> GUEST_RAM = List.of(new PhysicalRange(0, 0xA0000), new PhysicalRange(0x100000, 0x3F00000));

    static SegmentDescriptor buf(long bufSize, long dest, long destSize) {
        return new SegmentDescriptor(true, bufSize, dest, destSize, "");
    }

    static SegmentDescriptor map(long dest, long destSize) {
        return new SegmentDescriptor(false, 0, dest, destSize, "");
    }

    static ValidImage valid(SegmentDescriptor... segs) {
        return new ValidImage(dev.jkexec.image.ImageType.DEFAULT, dev.jkexec.image.Arch.X86_64, 0, List.of(segs));
    }

    static Arguments row(String rule, Runnable check, Errno errno, String fragment) {
        return Arguments.of(rule, check, errno, fragment);
    }

    static Stream<Arguments> violations() {
        long cs = CRASH.start();
        long ce = CRASH.end();
        return Stream.of(
                row("segmentCount", () -> ImageRules.segmentCount(16, 15), Errno.EINVAL, "nr_segments: 16 exceeds the maximum 15"),
                row("segmentCount v1", () -> ImageRules.segmentCount(17, 16), Errno.EINVAL, "nr_segments: 17 exceeds the maximum 16"),
                row("segmentCount u32", () -> ImageRules.segmentCount(0xFFFF_FFFFL, 15), Errno.EINVAL, "nr_segments: 4294967295"),
                row("type", () -> ImageRules.type(2), Errno.EINVAL, "type: 2 is neither KEXEC_TYPE_DEFAULT (0) nor KEXEC_TYPE_CRASH (1)"),
                row("type negative", () -> ImageRules.type(-1), Errno.EINVAL, "type: -1"),
                row("crashEntry below", () -> ImageRules.crashEntry(cs - 1, CRASH), Errno.EADDRNOTAVAIL,
                        "entry_maddr: 0xffffff outside the crash region 0x1000000-0x1800000 (end inclusive)"),
                row("crashEntry above", () -> ImageRules.crashEntry(ce + 1, CRASH), Errno.EADDRNOTAVAIL, "entry_maddr: 0x1800001"),
                row("crashEntry u64", () -> ImageRules.crashEntry(-1L, CRASH), Errno.EADDRNOTAVAIL, "entry_maddr: 0xffffffffffffffff"),
                row("crashEntry no region", () -> ImageRules.crashEntry(0x1000, PhysicalRange.NONE), Errno.EADDRNOTAVAIL, "entry_maddr: 0x1000"),
                row("crashSegmentsInside below", () -> ImageRules.crashSegmentsInside(
                        List.of(buf(0, cs, PAGE), buf(1, cs - PAGE, PAGE)), CRASH), Errno.EADDRNOTAVAIL,
                        "segments[1]: destination 0xfff000+0x1000 not inside the crash region"),
                row("crashSegmentsInside straddles end", () -> ImageRules.crashSegmentsInside(
                        List.of(buf(1, ce - PAGE, 2 * PAGE)), CRASH), Errno.EADDRNOTAVAIL, "segments[0]: destination 0x17ff000+0x2000"),
                row("crashSegmentsInside wrapping size", () -> ImageRules.crashSegmentsInside(
                        List.of(buf(1, cs, -PAGE)), CRASH), Errno.EADDRNOTAVAIL, "segments[0]: destination 0x1000000+0xfffffffffffff000"),
                row("destinationsAligned start", () -> ImageRules.destinationsAligned(
                        List.of(buf(0, 0, PAGE), map(PAGE, PAGE), buf(0, 0x1234, PAGE))), Errno.EADDRNOTAVAIL,
                        "segments[2].dest_maddr: 0x1234 not page aligned"),
                row("destinationsAligned end", () -> ImageRules.destinationsAligned(List.of(map(0x2000, 0x1001))), Errno.EADDRNOTAVAIL,
                        "segments[0].dest_size: 0x1001 puts the destination end 0x3001 off a page boundary"),
                row("destinationsAddressable above 2^52", () -> ImageRules.destinationsAddressable(
                        List.of(buf(0, 1L << 52, PAGE))), Errno.EADDRNOTAVAIL,
                        "segments[0].dest_size: 0x1000 at 0x10000000000000 ends beyond the 52-bit physical address space"),
                row("destinationsAddressable wraps", () -> ImageRules.destinationsAddressable(
                        List.of(map(0, PAGE), map(-PAGE, 2 * PAGE))), Errno.EADDRNOTAVAIL, "segments[1].dest_size: 0x2000 at 0xfffffffffffff000"),
                row("noOverlap", () -> ImageRules.noOverlap(List.of(buf(0, 0x1000, 0x2000), buf(0, 0x2000, 0x2000))), Errno.EINVAL,
                        "segments[1]: destination 0x2000-0x4000 overlaps segments[0] 0x1000-0x3000"),
                row("noOverlap mapping-only", () -> ImageRules.noOverlap(List.of(map(0, 0x100000), buf(0, 0x9000, PAGE))), Errno.EINVAL,
                        "segments[1]: destination 0x9000-0xa000 overlaps segments[0] 0x0-0x100000"),
                row("noOverlap contained", () -> ImageRules.noOverlap(List.of(buf(0, 0x3000, PAGE), map(0, 0x10000))), Errno.EINVAL,
                        "segments[1]: destination 0x0-0x10000 overlaps segments[0] 0x3000-0x4000"),
                row("buffersFit", () -> ImageRules.buffersFit(List.of(buf(0x2001, 0, 0x2000))), Errno.EINVAL,
                        "segments[0].buf_size: 0x2001 exceeds dest_size 0x2000"),
                row("buffersFit u64", () -> ImageRules.buffersFit(List.of(buf(0, 0, PAGE), buf(-1L, PAGE, PAGE))), Errno.EINVAL,
                        "segments[1].buf_size: 0xffffffffffffffff exceeds dest_size 0x1000"),
                row("buffersFit mapping-only", () -> ImageRules.buffersFit(List.of(
                        new SegmentDescriptor(false, 0x5000, 0, PAGE, ""))), Errno.EINVAL, "segments[0].buf_size: 0x5000"),
                row("arch", () -> ImageRules.arch(40), Errno.EINVAL, "arch: 40 is neither EM_X86_64 (62) nor EM_386 (3)"),
                row("arch EM_NONE", () -> ImageRules.arch(0), Errno.EINVAL, "arch: 0"),
                row("defaultDestinationsLoadable legacy window", () -> ImageRules.defaultDestinationsLoadable(
                        List.of(buf(0, 0x9F000, 0x2000)), GUEST_RAM), Errno.EADDRNOTAVAIL,
                        "segments[0].dest_maddr: destination 0x9f000+0x2000 is not inside the guest's RAM"),
                row("defaultDestinationsLoadable hidden region", () -> ImageRules.defaultDestinationsLoadable(
                        List.of(buf(0, 0x200000, PAGE), buf(0, 0x4000000, PAGE)), GUEST_RAM), Errno.EADDRNOTAVAIL,
                        "segments[1].dest_maddr: destination 0x4000000+0x1000"),
                row("defaultImageSize", () -> ImageRules.defaultImageSize(valid(buf(0, 0, 0x200000), buf(0, 0x400000, 0x1000)),
                        0x200000), Errno.ENOMEM,
                        "segments: default image covers 0x201000 destination bytes with its buffered segments, above the limit 0x200000"),
                row("stagingCapacity sources", () -> ImageRules.stagingCapacity(valid(buf(5 * PAGE, 0, 5 * PAGE)),
                        new PhysicalRange(0x100000, 5 * PAGE)), Errno.ENOMEM,
                        "segments: default image needs 5 source pages and 1 page list pages, staging 0x100000-0x105000 holds 5"),
                row("stagingCapacity list pages", () -> ImageRules.stagingCapacity(valid(buf(0, 0, 511 * PAGE)),
                        new PhysicalRange(0x100000, PAGE)), Errno.ENOMEM, "needs 0 source pages and 2 page list pages"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("violations")
    void each_rule_refuses_with_its_errno_and_names_field_and_value(String rule, Runnable check, Errno errno, String fragment) {
        KexecException e = catchThrowableOfType(KexecException.class, check::run);
        assertThat(e).as(rule).isNotNull();
        assertThat(e.errno()).isEqualTo(errno);
        assertThat(e.getMessage()).contains(fragment).endsWith("(-" + errno.name() + ")");
    }

    static Stream<Arguments> boundaries() {
        long cs = CRASH.start();
        long ce = CRASH.end();
        return Stream.of(
                Arguments.of("15 segments", (Runnable) () -> ImageRules.segmentCount(15, 15)),
                Arguments.of("0 segments", (Runnable) () -> ImageRules.segmentCount(0, 15)),
                Arguments.of("type 0 and 1", (Runnable) () -> {
                    ImageRules.type(0);
                    ImageRules.type(1);
                }),
                Arguments.of("crash entry at start and at end (inclusive)", (Runnable) () -> {
                    ImageRules.crashEntry(cs, CRASH);
                    ImageRules.crashEntry(ce, CRASH);
                }),
                Arguments.of("crash entry 0 without region", (Runnable) () -> ImageRules.crashEntry(0, PhysicalRange.NONE)),
                Arguments.of("mapping-only anywhere, buffered filling the region", (Runnable) () -> ImageRules.crashSegmentsInside(
                        List.of(map(0, 0x100000), buf(0, cs, CRASH.size())), CRASH)),
                Arguments.of("aligned, zero size", (Runnable) () -> ImageRules.destinationsAligned(List.of(map(0x5000, 0), buf(0, 0, PAGE)))),
                Arguments.of("up to 2^52", (Runnable) () -> ImageRules.destinationsAddressable(List.of(map((1L << 52) - PAGE, PAGE)))),
                Arguments.of("adjacent and zero-length never overlap", (Runnable) () -> ImageRules.noOverlap(
                        List.of(buf(0, 0x1000, 0x1000), buf(0, 0x2000, 0x1000), map(0x1000, 0), map(0x1800 & ~0xFFF, 0)))),
                Arguments.of("buf_size == dest_size", (Runnable) () -> ImageRules.buffersFit(List.of(buf(PAGE, 0, PAGE)))),
                Arguments.of("EM_X86_64 and EM_386", (Runnable) () -> {
                    ImageRules.arch(62);
                    ImageRules.arch(3);
                }),
                Arguments.of("default image filling guest RAM; mapping-only anywhere", (Runnable) () ->
                        ImageRules.defaultDestinationsLoadable(List.of(buf(0, 0, 0xA0000), buf(0, 0x100000, 0x3F00000),
                                map(0xA0000, 0x60000), map(0x8000000, PAGE)), GUEST_RAM)),
                Arguments.of("default image at the limit", (Runnable) () -> ImageRules.defaultImageSize(
                        valid(buf(0, 0, 0x200000), map(0x400000, 0x100000)), 0x200000)),
                Arguments.of("staging exactly big enough", (Runnable) () -> ImageRules.stagingCapacity(
                        valid(buf(5 * PAGE - 1, 0, 5 * PAGE)), new PhysicalRange(0x100000, 6 * PAGE))),
                Arguments.of("staging at 0 loses page 0", (Runnable) () -> ImageRules.stagingCapacity(
                        valid(buf(PAGE, 0x100000, PAGE)), new PhysicalRange(0, 3 * PAGE))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("boundaries")
    void each_rule_accepts_its_boundary(String name, Runnable check) {
        assertThatCode(check::run).doesNotThrowAnyException();
    }

    /** Fuzzing finding mapping-only-over-staging (KexecOpFuzzTest.dispatch, crash-9552bf58…): accepted, then every exec -ENOMEM. */
    @Test
    void mapping_only_segment_over_staging_is_refused_at_load() {
        PhysicalRange staging = new PhysicalRange(0x100000, 8 * PAGE);
        KexecException e = catchThrowableOfType(KexecException.class, () -> ImageRules.stagingCapacity(
                valid(buf(2 * PAGE, 0, 2 * PAGE), map(0x100000 + 2 * PAGE, 6 * PAGE)), staging));
        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(e.getMessage()).contains("holds 2 (6 more lie inside its mapping-only segments)");
        assertThatCode(() -> ImageRules.stagingCapacity(valid(buf(PAGE, 0, PAGE), map(0x100000 + 2 * PAGE, 6 * PAGE)), staging))
                .doesNotThrowAnyException();
    }

    @Test
    void staging_at_zero_has_one_page_less() {
        assertThat(catchThrowableOfType(KexecException.class, () -> ImageRules.stagingCapacity(
                valid(buf(2 * PAGE, 0x100000, 2 * PAGE)), new PhysicalRange(0, 3 * PAGE))).errno()).isEqualTo(Errno.ENOMEM);
    }

    static ImageDescriptor image(int type, int arch, long entry, SegmentDescriptor... segs) {
        return new ImageDescriptor(type, arch, entry, List.of(segs));
    }

    /** Images breaking two rules: the earlier rule (spec §3.1 order, arch moved before writes) wins. */
    static Stream<Arguments> orders() {
        long cs = CRASH.start();
        List<SegmentDescriptor> sixteen = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            sixteen.add(map(i * PAGE, PAGE));
        }
        return Stream.of(
                Arguments.of("count before type", new ImageDescriptor(9, 62, 0, sixteen), Errno.EINVAL, "nr_segments"),
                Arguments.of("type before alignment", image(9, 62, 0, buf(0, 0x123, PAGE)), Errno.EINVAL, "type: 9"),
                Arguments.of("crash entry before alignment", image(1, 62, 0, buf(0, cs + 1, PAGE)), Errno.EADDRNOTAVAIL, "entry_maddr"),
                Arguments.of("crash segment bounds before overlap", image(1, 62, cs,
                        buf(0, cs, 2 * PAGE), buf(0, cs + PAGE, PAGE), buf(0, 0, PAGE)), Errno.EADDRNOTAVAIL, "segments[2]: destination 0x0"),
                Arguments.of("alignment before overlap", image(0, 62, 0, buf(0, 0, 2 * PAGE), buf(0, PAGE, PAGE), buf(0, 0x10001, PAGE)),
                        Errno.EADDRNOTAVAIL, "segments[2].dest_maddr: 0x10001"),
                Arguments.of("overlap before buf_size", image(0, 62, 0, buf(3 * PAGE, 0, 2 * PAGE), buf(0, PAGE, PAGE)),
                        Errno.EINVAL, "segments[1]: destination"),
                Arguments.of("buf_size before arch", image(0, 40, 0, buf(3 * PAGE, 0, 2 * PAGE)), Errno.EINVAL, "segments[0].buf_size"),
                Arguments.of("arch before default size", image(0, 40, 0, buf(0, 0, 64 * Fixtures.MIB)), Errno.EINVAL, "arch: 40"),
                Arguments.of("crash arch checked too", image(1, 40, cs, buf(PAGE, cs, PAGE)), Errno.EINVAL, "arch: 40"),
                Arguments.of("default size before staging", image(0, 62, 0, buf(0, 0, 64 * Fixtures.MIB)), Errno.ENOMEM,
                        "destination bytes"),
                Arguments.of("crash images have no default limit", image(1, 3, cs, buf(PAGE, cs, CRASH.size())), null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orders")
    void check_runs_rules_in_spec_order(String name, ImageDescriptor d, Errno errno, String fragment) {
        if (errno == null) {
            assertThat(ImageRules.check(d, CONFIG, KexecImage.MAX_SEGMENTS).type().code()).isEqualTo(d.type());
            return;
        }
        KexecException e = catchThrowableOfType(KexecException.class, () -> ImageRules.check(d, CONFIG, KexecImage.MAX_SEGMENTS));
        assertThat(e).isNotNull();
        assertThat(e.errno()).isEqualTo(errno);
        assertThat(e.getMessage()).contains(fragment);
    }

    @Test
    void field_is_reported_separately() {
        KexecException e = catchThrowableOfType(KexecException.class, () -> ImageRules.destinationsAligned(List.of(buf(0, 0x1234, PAGE))));
        assertThat(e.field()).isEqualTo("segments[0].dest_maddr");
    }
}
