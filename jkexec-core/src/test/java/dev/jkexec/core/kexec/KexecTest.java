package dev.jkexec.core.kexec;

import static dev.jkexec.core.kexec.Fixtures.CRASH;
import static dev.jkexec.core.kexec.Fixtures.MIB;
import static dev.jkexec.core.kexec.Fixtures.PAGE;
import static dev.jkexec.core.kexec.Fixtures.STAGING;
import static dev.jkexec.core.kexec.Fixtures.image;
import static dev.jkexec.core.kexec.Fixtures.mapping;
import static dev.jkexec.core.kexec.Fixtures.seg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jkexec.core.Errno;
import dev.jkexec.core.KexecException;
import dev.jkexec.platform.InputFile;
import dev.jkexec.platform.InputFileException;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.SegmentRole;
import dev.jkexec.platform.testing.Pure;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Pure
class KexecTest {
    private final Kexec kexec = Fixtures.kexec();
    private final PhysicalMemory memory = kexec.memory();

    // ---- get_range

    static Stream<Arguments> ranges() {
        return Stream.of(
                Arguments.of(RangeId.CRASH, 0, null, CRASH),
                Arguments.of(RangeId.CRASH, 99, null, CRASH),
                Arguments.of(RangeId.CPU, 0, null, new PhysicalRange(Fixtures.NOTES, 0x400)),
                Arguments.of(RangeId.CPU, 1, null, new PhysicalRange(Fixtures.NOTES + 0x400, 0x400)),
                Arguments.of(RangeId.CPU, 2, Errno.ERANGE, null),
                Arguments.of(RangeId.CPU, -1, Errno.ERANGE, null),
                Arguments.of(RangeId.VMCOREINFO, 0, null, Fixtures.VMCOREINFO),
                Arguments.of(RangeId.XEN, 0, Errno.EINVAL, null),
                Arguments.of(RangeId.XENHEAP, 0, Errno.EINVAL, null),
                Arguments.of(RangeId.BOOT_PARAM, 0, Errno.EINVAL, null),
                Arguments.of(RangeId.EFI_MEMMAP, 0, Errno.EINVAL, null),
                Arguments.of(7, 0, Errno.EINVAL, null),
                Arguments.of(-1, 0, Errno.EINVAL, null));
    }

    @ParameterizedTest(name = "range {0} nr {1}")
    @MethodSource("ranges")
    void get_range(int range, int nr, Errno errno, PhysicalRange expected) {
        if (errno == null) {
            assertThat(kexec.getRange(range, nr)).isEqualTo(expected);
        } else {
            KexecException e = catchThrowableOfType(KexecException.class, () -> kexec.getRange(range, nr));
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.getMessage()).contains(range == RangeId.CPU ? "nr: " + nr : "range: " + range);
        }
    }

    @Test
    void get_range_crash_without_region_is_zero() {
        Kexec k = new Kexec(Fixtures.config().withCrashRegion(0, 0), Fixtures.memory());
        assertThat(k.getRange(RangeId.CRASH, 0)).isEqualTo(new PhysicalRange(0, 0));
    }

    @Test
    void construction_requires_regions_inside_memory() {
        assertThatThrownBy(() -> new Kexec(Fixtures.config(), PhysicalMemory.ofHeap(20 * MIB)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("crash region");
    }

    // ---- load / unload / status

    @Test
    void status_follows_load_and_unload() {
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
        kexec.load(Fixtures.defaultImage(1));
        kexec.load(Fixtures.defaultImage(2));
        assertThat(kexec.status(ImageType.DEFAULT)).as("load, load: still loaded (Xen's slot bit says 0)").isTrue();
        assertThat(kexec.status(ImageType.CRASH)).isFalse();
        kexec.unload(ImageType.DEFAULT);
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
        kexec.unload(ImageType.DEFAULT);
        assertThat(kexec.status(ImageType.DEFAULT)).as("unload of nothing: not loaded (Xen's slot bit says 1)").isFalse();
    }

    @Test
    void default_load_leaves_guest_memory_alone_and_keeps_the_digest() {
        KexecImage img = Fixtures.defaultImage(3);
        kexec.load(img);
        assertThat(memory.segment().mismatch(Fixtures.memory().segment())).isEqualTo(-1);
        ImageInfo info = kexec.image(ImageType.DEFAULT).orElseThrow();
        assertThat(info.sha256()).isEqualTo(Fixtures.expectedDigest(img));
        assertThat(info.entry()).isEqualTo(img.entry());
        assertThat(info.v1()).isFalse();
    }

    @Test
    void crash_load_writes_buffers_and_zero_tails_into_the_region() {
        memory.slice(CRASH.start(), CRASH.size()).fill((byte) 0x5A);
        KexecImage img = Fixtures.crashImage(4);
        kexec.load(img);
        Fixtures.assertLoaded(memory, img);
        assertThat(kexec.image(ImageType.CRASH).orElseThrow().sha256()).isEqualTo(Fixtures.expectedDigest(img));
        assertThat(memory.read(CRASH.start() + 5 * PAGE, 1)[0]).as("between segments: untouched").isEqualTo((byte) 0x5A);
        assertThat(memory.read(0, 1)[0]).as("mapping-only: nothing written").isEqualTo((byte) 0);
    }

    /** Images that fail after a good crash image was loaded, each at a different point of the load. */
    static Stream<Arguments> badCrashLoads() {
        long cs = CRASH.start();
        return Stream.of(
                Arguments.of("entry outside", Errno.EADDRNOTAVAIL, image(ImageType.CRASH, cs - 1, seg(9, 100, cs, PAGE))),
                Arguments.of("segment outside", Errno.EADDRNOTAVAIL, image(ImageType.CRASH, cs,
                        seg(9, PAGE, cs, PAGE), seg(10, 100, 0x100000, PAGE))),
                Arguments.of("misaligned", Errno.EADDRNOTAVAIL, image(ImageType.CRASH, cs,
                        seg(9, PAGE, cs, PAGE), seg(10, 100, cs + 0x2100, PAGE))),
                Arguments.of("overlap", Errno.EINVAL, image(ImageType.CRASH, cs,
                        seg(9, 2 * (int) PAGE, cs, 2 * PAGE), seg(10, 100, cs + PAGE, PAGE))),
                Arguments.of("arch (checked late in Xen: after writing)", Errno.EINVAL,
                        new KexecImage(ImageType.CRASH, Arch.X86_64, cs, List.of(seg(9, 3 * (int) PAGE, cs, 4 * PAGE)), null)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badCrashLoads")
    void refused_crash_load_leaves_slot_and_region_as_they_were(String name, Errno errno, KexecImage bad) {
        KexecImage good = Fixtures.crashImage(5);
        kexec.load(good);
        byte[] before = memory.read(0, (int) Fixtures.MEMORY);
        Sha256 sha = kexec.image(ImageType.CRASH).orElseThrow().sha256();
        ImageDescriptor d = ImageDescriptor.of(bad);
        if (name.startsWith("arch")) {
            d = new ImageDescriptor(d.type(), 40, d.entry(), d.segments());
        }
        ImageDescriptor descriptor = d;
        KexecException e = catchThrowableOfType(KexecException.class,
                () -> kexec.load(descriptor, i -> bad.segments().get(i).buffer()));
        assertThat(e.errno()).isEqualTo(errno);
        assertThat(memory.segment().mismatch(MemorySegment.ofArray(before))).isEqualTo(-1);
        assertThat(kexec.image(ImageType.CRASH).orElseThrow().sha256()).isEqualTo(sha);
        kexec.exec(ImageType.CRASH, plan -> assertThat(plan.sha256()).isEqualTo(sha));
    }

    @Test
    void crash_load_with_an_unreadable_buffer_writes_nothing() {
        kexec.load(Fixtures.crashImage(6));
        byte[] before = memory.read(CRASH.start(), (int) CRASH.size());
        KexecImage next = Fixtures.crashImage(7);
        KexecException e = catchThrowableOfType(KexecException.class, () -> kexec.load(ImageDescriptor.of(next), i -> {
            if (i == 1) {
                throw new KexecException(Errno.EFAULT, "segments[1].buf", "0xdead outside guest memory");
            }
            return next.segments().get(i).buffer();
        }));
        assertThat(e.errno()).isEqualTo(Errno.EFAULT);
        assertThat(memory.slice(CRASH.start(), CRASH.size()).mismatch(MemorySegment.ofArray(before))).isEqualTo(-1);
    }

    @Test
    void successful_crash_load_replaces_the_old_bytes_where_it_writes_and_leaves_the_rest() {
        kexec.load(Fixtures.crashImage(8));
        byte[] oldSecond = memory.read(CRASH.start() + 64 * PAGE, (int) PAGE);
        KexecImage next = image(ImageType.CRASH, CRASH.start(), seg(11, 100, CRASH.start(), PAGE));
        kexec.load(next);
        Fixtures.assertLoaded(memory, next);
        assertThat(memory.read(CRASH.start() + 64 * PAGE, (int) PAGE)).as("not scrubbed, as Xen").isEqualTo(oldSecond);
    }

    @Test
    void crash_buffer_lying_inside_the_crash_region_is_copied_aside_first() {
        long cs = CRASH.start();
        byte[] data = Fixtures.bytes(12, 2 * (int) PAGE);
        memory.write(cs + PAGE, data);
        // segment 0 is written over the bytes segment 1's buffer points at
        KexecImage img = image(ImageType.CRASH, cs,
                new KexecSegment(memory.slice(cs + 2 * PAGE, PAGE).asReadOnly(), cs, 2 * PAGE, "a"),
                new KexecSegment(memory.slice(cs + PAGE, 2 * PAGE).asReadOnly(), cs + 8 * PAGE, 2 * PAGE, "b"));
        kexec.load(img);
        assertThat(memory.read(cs + 8 * PAGE, 2 * (int) PAGE)).isEqualTo(data);
        assertThat(memory.read(cs, (int) PAGE)).isEqualTo(java.util.Arrays.copyOfRange(data, (int) PAGE, 2 * (int) PAGE));
    }

    @Test
    void default_image_above_the_limit_is_enomem_before_anything_is_held() {
        Kexec k = new Kexec(Fixtures.config().withMaxDefaultImageBytes(MIB), Fixtures.memory());
        KexecImage big = image(ImageType.DEFAULT, 0, seg(1, 0, 0, MIB), seg(2, 10, 2 * MIB, PAGE));
        KexecException e = catchThrowableOfType(KexecException.class, () -> k.load(big));
        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(k.status(ImageType.DEFAULT)).isFalse();
    }

    @Test
    void hostile_sizes_are_refused_before_buffers_are_asked_for() {
        ImageDescriptor d = new ImageDescriptor(0, 62, 0, List.of(
                new SegmentDescriptor(true, Long.MAX_VALUE, 0, Long.MAX_VALUE & ~0xFFFL, "huge")));
        KexecException e = catchThrowableOfType(KexecException.class,
                () -> kexec.load(d, i -> { throw new AssertionError("buffer asked for"); }));
        assertThat(e.errno()).isEqualTo(Errno.EADDRNOTAVAIL);
    }

    // ---- exec

    @Test
    void exec_of_an_empty_slot_is_enoent() {
        KexecException e = catchThrowableOfType(KexecException.class,
                () -> kexec.exec(ImageType.CRASH, plan -> { throw new AssertionError("handed over"); }));
        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
        assertThat(e.getMessage()).contains("no crash image loaded");
    }

    @Test
    void the_zero_page_typed_by_the_toolstack_reaches_the_handover_plan_and_a_raw_abi_image_has_none() {
        KexecSegment setup = new KexecSegment(MemorySegment.ofArray(Fixtures.bytes(7, 5000)), 4 * MIB, 2 * PAGE, "setup",
                SegmentRole.ZERO_PAGE);
        KexecImage img = image(ImageType.DEFAULT, 2 * MIB + 0x200, seg(1, 4096, 2 * MIB, PAGE), setup);
        kexec.load(img);
        assertThat(kexec.exec(ImageType.DEFAULT, p -> { }).zeroPage()).hasValue(4 * MIB);

        // The same numbers through the raw ABI: segments carry no role, so there is no zero page to name.
        ImageDescriptor raw = new ImageDescriptor(ImageType.DEFAULT.code(), Arch.X86_64.elfMachine(), img.entry(),
                img.segments().stream().map(s -> new SegmentDescriptor(s.buffer() != null, s.bufferSize(), s.destination(),
                        s.destinationSize(), "segments[]")).toList());
        kexec.load(raw, i -> img.segments().get(i).buffer());
        assertThat(kexec.exec(ImageType.DEFAULT, p -> { }).zeroPage()).isEmpty();
    }

    @Test
    void default_exec_stages_a_page_list_that_loads_the_image_and_stays_loaded() {
        KexecImage img = Fixtures.defaultImage(13);
        kexec.load(img);
        for (int round = 0; round < 2; round++) {
            List<HandoverPlan> seen = new ArrayList<>();
            HandoverPlan plan = kexec.exec(ImageType.DEFAULT, p -> {
                seen.add(p);
                PageListWalker.walk(memory, p.pageListHead());
            });
            assertThat(seen).containsExactly(plan);
            assertThat(plan.type()).isEqualTo(ImageType.DEFAULT);
            assertThat(plan.arch()).isEqualTo(Arch.X86_64);
            assertThat(plan.entry()).isEqualTo(img.entry());
            assertThat(plan.relocates()).isTrue();
            assertThat(STAGING.contains(plan.pageListHead())).isTrue();
            assertThat(plan.inPlaceRanges()).isEmpty();
            assertThat(plan.mappedRanges()).containsExactly(new PhysicalRange(2 * MIB, 12 * PAGE),
                    new PhysicalRange(4 * MIB, 2 * PAGE), new PhysicalRange(8 * MIB, 2 * PAGE));
            assertThat(plan.sha256()).isEqualTo(Fixtures.expectedDigest(img));
            assertThat(plan.pageList().sourcePages()).isEqualTo(11 + 0 + 2);
            assertThat(plan.pageList().zeroPages()).isEqualTo(1 + 2 + 0);
            Fixtures.assertLoaded(memory, img);
            assertThat(kexec.status(ImageType.DEFAULT)).isTrue();
            memory.zero(2 * MIB, 12 * PAGE);
        }
    }

    /** A core whose guest RAM (where default images may go) ends below staging, as a machine's does. */
    private static Kexec withGuestRamBelowStaging() {
        KexecConfig c = Fixtures.config();
        return new Kexec(new KexecConfig(c.crashRegion(), c.staging(), c.crashNotes(), c.vmcoreinfo(),
                c.maxDefaultImageBytes(), List.of(new PhysicalRange(0, 16 * MIB))), Fixtures.memory());
    }

    @Test
    void a_load_stages_the_page_list_outside_guest_ram_and_exec_hands_over_that_list() {
        Kexec k = withGuestRamBelowStaging();
        KexecImage img = Fixtures.defaultImage(13);
        byte[] before = k.memory().read(0, (int) STAGING.start());
        k.load(img);
        assertThat(k.memory().read(0, (int) STAGING.start())).as("guest RAM untouched by the load").isEqualTo(before);
        byte[] staged = k.memory().read(STAGING.start(), (int) STAGING.size());
        HandoverPlan plan = k.exec(ImageType.DEFAULT, p -> {
            assertThat(k.memory().read(STAGING.start(), (int) STAGING.size())).as("exec staged nothing again").isEqualTo(staged);
            PageListWalker.walk(k.memory(), p.pageListHead());
        });
        assertThat(STAGING.contains(plan.pageListHead())).isTrue();
        Fixtures.assertLoaded(k.memory(), img);
    }

    @Test
    void staging_changed_after_the_load_is_not_trusted_the_exec_stages_again() {
        Kexec k = withGuestRamBelowStaging();
        KexecImage img = Fixtures.defaultImage(13);
        k.load(img);
        // a rogue guest writes the reserved range: every staged page, list pages and sources alike
        for (long a = STAGING.start(); a < STAGING.start() + 64 * PAGE; a += 8) {
            k.memory().writeLong(a, 0xBAD0_BAD0_BAD0_BAD0L);
        }
        k.exec(ImageType.DEFAULT, p -> PageListWalker.walk(k.memory(), p.pageListHead()));
        Fixtures.assertLoaded(k.memory(), img);
    }

    @Test
    void a_reload_replaces_the_staged_list_and_an_unload_drops_it() {
        Kexec k = withGuestRamBelowStaging();
        k.load(Fixtures.defaultImage(13));
        KexecImage second = Fixtures.defaultImage(14);
        k.load(second);
        k.exec(ImageType.DEFAULT, p -> PageListWalker.walk(k.memory(), p.pageListHead()));
        Fixtures.assertLoaded(k.memory(), second);
        k.unload(ImageType.DEFAULT);
        assertThat(catchThrowableOfType(KexecException.class, () -> k.exec(ImageType.DEFAULT, p -> { })).errno())
                .isEqualTo(Errno.ENOENT);
    }

    @Test
    void the_first_exec_writes_the_image_at_its_destinations_with_no_page_list_and_keeps_it_loaded() {
        KexecImage img = Fixtures.defaultImage(13);
        kexec.load(img);
        memory.write(2 * MIB + 12 * PAGE - 8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}); // a zero tail must be zeroed, not assumed
        byte[] staging = memory.read(STAGING.start(), (int) STAGING.size());
        List<HandoverPlan> seen = new ArrayList<>();
        HandoverPlan plan = kexec.execFirst(p -> {
            seen.add(p);
            Fixtures.assertLoaded(memory, img); // already in place when the machine is handed over
        });
        assertThat(seen).containsExactly(plan);
        assertThat(plan.relocates()).isFalse();
        assertThat(plan.pageList()).isNull();
        assertThat(plan.inPlaceRanges()).as("nothing ran, nothing is stale: nothing to refresh").isEmpty();
        assertThat(plan.mappedRanges()).containsExactly(new PhysicalRange(2 * MIB, 12 * PAGE),
                new PhysicalRange(4 * MIB, 2 * PAGE), new PhysicalRange(8 * MIB, 2 * PAGE));
        assertThat(plan.sha256()).isEqualTo(Fixtures.expectedDigest(img));
        assertThat(memory.read(STAGING.start(), (int) STAGING.size())).as("staging untouched").isEqualTo(staging);
        assertThat(kexec.status(ImageType.DEFAULT)).isTrue();
        // the next exec (the machine has run now) walks a page list again
        memory.zero(2 * MIB, 12 * PAGE);
        HandoverPlan again = kexec.exec(ImageType.DEFAULT, p -> PageListWalker.walk(memory, p.pageListHead()));
        assertThat(again.relocates()).isTrue();
        Fixtures.assertLoaded(memory, img);
    }

    @Test
    void the_first_boot_writes_the_image_from_its_buffers_and_keeps_them_not_guest_ram() {
        KexecImage img = Fixtures.defaultImage(21);
        memory.write(2 * MIB + 12 * PAGE - 8, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}); // a zero tail must be zeroed, not assumed
        byte[] staging = memory.read(STAGING.start(), (int) STAGING.size());
        List<HandoverPlan> seen = new ArrayList<>();
        HandoverPlan plan = kexec.bootFirst(img, p -> {
            seen.add(p);
            Fixtures.assertLoaded(memory, img); // in place when the machine is handed over
            memory.zero(2 * MIB, 12 * PAGE); // the new kernel rewrites its RAM: the kept bytes and digest must not come from there
        });
        assertThat(seen).containsExactly(plan);
        assertThat(plan.relocates()).isFalse();
        assertThat(plan.pageList()).isNull();
        assertThat(plan.inPlaceRanges()).isEmpty();
        assertThat(plan.mappedRanges()).containsExactly(new PhysicalRange(2 * MIB, 12 * PAGE),
                new PhysicalRange(4 * MIB, 2 * PAGE), new PhysicalRange(8 * MIB, 2 * PAGE));
        assertThat(plan.sha256()).as("the plan's digest, once the background hash is done").isEqualTo(Fixtures.expectedDigest(img));
        assertThat(memory.read(STAGING.start(), (int) STAGING.size())).as("staging untouched").isEqualTo(staging);
        ImageInfo info = kexec.image(ImageType.DEFAULT).orElseThrow();
        assertThat(info.sha256()).isEqualTo(Fixtures.expectedDigest(img));
        // the machine ran: the next exec walks a page list built from the held copy
        HandoverPlan again = kexec.exec(ImageType.DEFAULT, p -> PageListWalker.walk(memory, p.pageListHead()));
        assertThat(again.relocates()).isTrue();
        assertThat(again.sha256()).isEqualTo(Fixtures.expectedDigest(img));
        Fixtures.assertLoaded(memory, img);
    }

    @Test
    void a_refused_first_boot_writes_nothing_and_keeps_the_loaded_image() {
        KexecImage loaded = Fixtures.defaultImage(22);
        kexec.load(loaded);
        Sha256 before = kexec.image(ImageType.DEFAULT).orElseThrow().sha256();
        KexecImage overlapping = Fixtures.image(ImageType.DEFAULT, 2 * MIB, seg(23, PAGE, 2 * MIB, 2 * PAGE), seg(24, PAGE, 2 * MIB + PAGE, PAGE));
        byte[] low = memory.read(0, (int) (16 * MIB));
        KexecException e = catchThrowableOfType(KexecException.class,
                () -> kexec.bootFirst(overlapping, p -> { throw new AssertionError("handed over"); }));
        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
        assertThatThrownBy(() -> kexec.bootFirst(Fixtures.crashImage(25), p -> { throw new AssertionError("handed over"); }))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(memory.read(0, (int) (16 * MIB))).as("nothing written").isEqualTo(low);
        assertThat(kexec.image(ImageType.DEFAULT).orElseThrow().sha256()).isEqualTo(before);
    }

    @Test
    void kept_buffers_changed_after_the_first_boot_make_a_damaged_image_not_a_wrong_kernel() {
        byte[] kernel = Fixtures.bytes(26, 10 * (int) PAGE);
        KexecImage img = Fixtures.image(ImageType.DEFAULT, 2 * MIB, new KexecSegment(MemorySegment.ofArray(kernel), 2 * MIB, 12 * PAGE, "kernel"));
        Sha256 digest = kexec.bootFirst(img, p -> { }).sha256();
        kernel[5] ^= 1; // against KexecSegment's contract: nobody modifies a buffer after construction
        ImageDamagedException e = catchThrowableOfType(ImageDamagedException.class,
                () -> kexec.exec(ImageType.DEFAULT, p -> { throw new AssertionError("handed over"); }));
        assertThat(e.expected()).isEqualTo(digest);
        assertThat(e.errno()).isEqualTo(Errno.EIO);
    }

    @Test
    void a_first_boot_from_a_files_mapping_keeps_bytes_of_its_own_so_the_file_truncated_after_it_is_no_fault() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("kexec-mapped-", ".kernel");
        try {
            byte[] kernel = Fixtures.bytes(27, 10 * (int) PAGE);
            java.nio.file.Files.write(f, kernel);
            MemorySegment mapped;
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
                mapped = ch.map(java.nio.channels.FileChannel.MapMode.READ_ONLY, 0, ch.size(), java.lang.foreign.Arena.ofAuto());
            }
            KexecImage img = Fixtures.image(ImageType.DEFAULT, 2 * MIB, new KexecSegment(mapped, 2 * MIB, 12 * PAGE, "kernel"));
            Sha256 digest = kexec.bootFirst(img, p -> { }).sha256();
            assertThat(memory.read(2 * MIB, kernel.length)).isEqualTo(kernel);

            java.nio.file.Files.write(f, new byte[0]); // every page of the mapping is gone: reading it would fault

            HandoverPlan again = kexec.exec(ImageType.DEFAULT, p -> { });
            assertThat(again.sha256()).isEqualTo(digest);
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    /** A file of {@code pages} pages mapped as the toolstack maps a kernel ({@link InputFile#map}), under a temporary directory. */
    private static MemorySegment mappedFile(java.nio.file.Path f, int pages) throws Exception {
        java.nio.file.Files.write(f, Fixtures.bytes(29, pages * (int) PAGE));
        return new InputFile("kernel", f).map(1L << 30, "the guest's RAM");
    }

    private static KexecImage mappedImage(ImageType type, long at, MemorySegment mapped) {
        return Fixtures.image(type, at, new KexecSegment(mapped, at, 12 * PAGE, "kernel"));
    }

    /** Another modification time, beyond any clock's granularity: what a rewrite in place leaves. */
    private static void rewrittenInPlace(java.nio.file.Path f) throws Exception {
        byte[] same = java.nio.file.Files.readAllBytes(f);
        java.nio.file.Files.write(f, same, java.nio.file.StandardOpenOption.WRITE);
        java.nio.file.Files.setLastModifiedTime(f, java.nio.file.attribute.FileTime.fromMillis(
                java.nio.file.Files.getLastModifiedTime(f).toMillis() + 3_600_000));
    }

    @Test
    void a_first_boot_from_a_mapped_file_truncated_before_the_write_is_named_and_never_handed_over(@TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path f = dir.resolve("vmlinux");
        MemorySegment mapped = mappedFile(f, 10);
        java.nio.file.Files.write(f, new byte[0]);

        InputFileException e = catchThrowableOfType(InputFileException.class,
                () -> kexec.bootFirst(mappedImage(ImageType.DEFAULT, 2 * MIB, mapped), p -> { throw new AssertionError("handed over"); }));
        assertThat(e).hasMessageStartingWith("kernel: " + f + ": the file shrank while jkexec read it (");
        assertThat(e.problem()).isEqualTo(InputFileException.Problem.CHANGED);
        assertThat(Errno.of(e.problem())).isEqualTo(Errno.EINVAL);
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
    }

    @Test
    void a_first_boot_from_a_mapped_file_rewritten_before_the_write_is_refused_before_the_handover(@TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path f = dir.resolve("vmlinux");
        MemorySegment mapped = mappedFile(f, 10);
        rewrittenInPlace(f);

        assertThatThrownBy(() -> kexec.bootFirst(mappedImage(ImageType.DEFAULT, 2 * MIB, mapped), p -> { throw new AssertionError("handed over"); }))
                .isInstanceOf(InputFileException.class)
                .hasMessageStartingWith("kernel: " + f + ": the file changed while jkexec used it (");
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
    }

    @Test
    void a_load_from_a_mapped_file_truncated_since_is_named_and_keeps_the_images_loaded(@TempDir java.nio.file.Path dir) throws Exception {
        kexec.load(Fixtures.defaultImage(31));
        kexec.load(Fixtures.crashImage(32));
        ImageInfo before = kexec.image(ImageType.DEFAULT).orElseThrow();
        ImageInfo crashBefore = kexec.image(ImageType.CRASH).orElseThrow();
        java.nio.file.Path f = dir.resolve("vmlinux");
        MemorySegment mapped = mappedFile(f, 10);
        java.nio.file.Files.write(f, new byte[0]);

        assertThatThrownBy(() -> kexec.load(mappedImage(ImageType.DEFAULT, 2 * MIB, mapped)))
                .isInstanceOf(InputFileException.class).hasMessageStartingWith("kernel: " + f + ": the file shrank");
        assertThatThrownBy(() -> kexec.load(mappedImage(ImageType.CRASH, Fixtures.CRASH.start(), mapped)))
                .isInstanceOf(InputFileException.class).hasMessageStartingWith("kernel: " + f + ": the file shrank");
        assertThat(kexec.image(ImageType.DEFAULT)).contains(before);
        assertThat(kexec.image(ImageType.CRASH)).contains(crashBefore);
    }

    @Test
    void a_mapped_file_rewritten_after_the_first_boot_before_its_copy_fails_the_digest(@TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path f = dir.resolve("vmlinux");
        MemorySegment mapped = mappedFile(f, 10);

        HandoverPlan plan = kexec.bootFirst(mappedImage(ImageType.DEFAULT, 2 * MIB, mapped), p -> { });
        rewrittenInPlace(f); // before the background copy: it waits for its delay, or the first demand below

        KexecException e = catchThrowableOfType(KexecException.class, plan::sha256);
        assertThat(e.errno()).isEqualTo(Errno.EIO);
        assertThat(e.getMessage()).contains("the SHA-256 of the booted default image could not be taken")
                .contains("kernel: " + f + ": the file changed while jkexec used it");
        assertThat(catchThrowableOfType(KexecException.class,
                () -> kexec.exec(ImageType.DEFAULT, p -> { throw new AssertionError("handed over"); })).errno()).isEqualTo(Errno.EIO);
    }

    @Test
    void a_failed_background_digest_is_reported_by_what_needs_it_and_the_slot_can_be_emptied() {
        java.lang.foreign.Arena buffers = java.lang.foreign.Arena.ofShared();
        MemorySegment bytes = buffers.allocate(10 * PAGE);
        KexecImage img = Fixtures.image(ImageType.DEFAULT, 2 * MIB, new KexecSegment(bytes, 2 * MIB, 12 * PAGE, "kernel"));
        // Against KexecSegment's contract (its buffer outlives the image), to make the digest fail for real:
        HandoverPlan plan = kexec.bootFirst(img, p -> buffers.close());
        KexecException e = catchThrowableOfType(KexecException.class, plan::sha256);
        assertThat(e.errno()).isEqualTo(Errno.EIO);
        assertThat(e.getMessage()).contains("the SHA-256 of the booted default image could not be taken");
        assertThat(catchThrowableOfType(KexecException.class, () -> kexec.image(ImageType.DEFAULT)).errno()).isEqualTo(Errno.EIO);
        assertThat(catchThrowableOfType(KexecException.class,
                () -> kexec.exec(ImageType.DEFAULT, p -> { throw new AssertionError("handed over"); })).errno()).isEqualTo(Errno.EIO);
        kexec.unload(ImageType.DEFAULT);
        assertThat(kexec.status(ImageType.DEFAULT)).isFalse();
    }

    @Test
    void a_failed_first_handover_keeps_the_image() {
        KexecImage img = Fixtures.defaultImage(13);
        kexec.load(img);
        assertThat(kexec.execFirst(p -> { })).isNotNull();
        memory.zero(2 * MIB, 12 * PAGE);
        assertThatThrownBy(() -> kexec.execFirst(p -> { throw new IllegalStateException("qemu gone"); })).hasMessage("qemu gone");
        assertThat(kexec.status(ImageType.DEFAULT)).as("a failed handover keeps the image").isTrue();
    }

    @Test
    void crash_exec_hands_over_in_place_and_freezes_the_slot() {
        KexecImage img = Fixtures.crashImage(14);
        kexec.load(img);
        HandoverPlan plan = kexec.exec(ImageType.CRASH, p -> assertThat(kexec.status(ImageType.CRASH)).isTrue());
        assertThat(plan.pageListHead()).isZero();
        assertThat(plan.relocates()).isFalse();
        assertThat(plan.pageList()).isNull();
        // Each segment's zero tail is left out of the refresh: 3 pages + 100 bytes of 5, 1 page of 2.
        assertThat(plan.inPlaceRanges()).containsExactly(new PhysicalRange(CRASH.start(), 4 * PAGE),
                new PhysicalRange(CRASH.start() + 64 * PAGE, PAGE));
        assertThat(plan.mappedRanges()).contains(new PhysicalRange(0, MIB));
        assertThat(plan.sha256()).isEqualTo(Fixtures.expectedDigest(img));
        assertThat(kexec.status(ImageType.CRASH)).as("the running crash kernel's image stays loaded").isTrue();
        assertThat(kexec.crashKernelRunning()).isTrue();
    }

    @Test
    void while_the_crash_kernel_runs_crash_load_unload_and_exec_are_ebusy_and_change_nothing() {
        KexecImage img = Fixtures.crashImage(14);
        kexec.load(img);
        kexec.exec(ImageType.CRASH, p -> { });
        byte[] region = memory.read(CRASH.start(), (int) CRASH.size());
        for (Runnable op : List.<Runnable>of(() -> kexec.load(Fixtures.crashImage(15)), () -> kexec.unload(ImageType.CRASH),
                () -> kexec.exec(ImageType.CRASH, p -> { throw new AssertionError("handed over"); }))) {
            KexecException e = catchThrowableOfType(KexecException.class, op::run);
            assertThat(e.errno()).isEqualTo(Errno.EBUSY);
            assertThat(e.getMessage()).contains("the crash kernel is running");
        }
        assertThat(memory.read(CRASH.start(), (int) CRASH.size())).isEqualTo(region);
        // default images are not frozen; executing one ends the crash kernel and empties its slot
        kexec.load(Fixtures.defaultImage(3));
        kexec.exec(ImageType.DEFAULT, p -> { });
        assertThat(kexec.crashKernelRunning()).isFalse();
        assertThat(kexec.status(ImageType.CRASH)).isFalse();
        kexec.load(Fixtures.crashImage(15));
        assertThat(kexec.status(ImageType.CRASH)).isTrue();
    }

    static Stream<Arguments> damages() {
        return Stream.of(
                Arguments.of("buffer byte", CRASH.start() + 17),
                Arguments.of("zero tail", CRASH.start() + 4 * PAGE + 5),
                Arguments.of("second segment tail", CRASH.start() + 65 * PAGE + 4095),
                Arguments.of("last buffer byte", CRASH.start() + 64 * PAGE + 4095),
                Arguments.of("first tail byte", CRASH.start() + 3 * 4096 + 100));
    }

    @Test
    void a_crash_region_byte_written_back_to_its_loaded_value_is_intact() {
        KexecImage img = Fixtures.crashImage(15);
        kexec.load(img);
        long at = CRASH.start() + 17;
        byte was = memory.read(at, 1)[0];
        memory.write(at, new byte[] {(byte) (was ^ 1)});
        memory.write(at, new byte[] {was});
        List<HandoverPlan> handed = new ArrayList<>();
        kexec.exec(ImageType.CRASH, handed::add);
        assertThat(handed).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void damaged_crash_image_is_refused_with_both_digests(String where, long address) {
        KexecImage img = Fixtures.crashImage(15);
        kexec.load(img);
        memory.write(address, new byte[] {(byte) (memory.read(address, 1)[0] ^ 1)});
        List<ImageDamagedException> reported = new ArrayList<>();
        ImageDamagedException e = catchThrowableOfType(ImageDamagedException.class, () -> kexec.exec(ImageType.CRASH, new HandoverTarget() {
            @Override
            public void handOver(HandoverPlan plan) {
                throw new AssertionError("handed over a damaged image");
            }

            @Override
            public void imageDamaged(ImageDamagedException damage) {
                reported.add(damage);
            }
        }));
        assertThat(reported).containsExactly(e);
        assertThat(e.errno()).isEqualTo(Errno.EIO);
        assertThat(e.type()).isEqualTo(ImageType.CRASH);
        assertThat(e.expected()).isEqualTo(Fixtures.expectedDigest(img));
        assertThat(e.actual()).isNotEqualTo(e.expected());
        assertThat(e.getMessage()).contains(e.expected().hex()).contains(e.actual().hex());
        assertThat(kexec.status(ImageType.CRASH)).as("damaged, but still what was loaded").isTrue();
    }

    /** A target that holds the entry back, recording what exec asked of it, in order. */
    private static final class HeldTarget implements HandoverTarget {
        final List<String> calls = new ArrayList<>();
        final List<ImageDamagedException> refused = new ArrayList<>();

        @Override
        public void handOver(HandoverPlan plan) {
            throw new AssertionError("a held handover goes through handOverHeld");
        }

        @Override
        public boolean holdsEntry() {
            return true;
        }

        @Override
        public void handOverHeld(HandoverPlan plan) {
            calls.add("handOverHeld");
        }

        @Override
        public void release() {
            calls.add("release");
        }

        @Override
        public void refuse(ImageDamagedException damage) {
            calls.add("refuse");
            refused.add(damage);
        }

        @Override
        public void imageDamaged(ImageDamagedException damage) {
            calls.add("imageDamaged");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void a_held_handover_of_a_damaged_crash_image_is_refused_never_released(String where, long address) {
        KexecImage img = Fixtures.crashImage(15);
        kexec.load(img);
        memory.write(address, new byte[] {(byte) (memory.read(address, 1)[0] ^ 1)});
        HeldTarget target = new HeldTarget();
        ImageDamagedException e = catchThrowableOfType(ImageDamagedException.class,
                () -> kexec.exec(ImageType.CRASH, target, kexec.digestAhead(ImageType.CRASH)));
        assertThat(target.calls).containsExactly("handOverHeld", "refuse");
        assertThat(target.refused).containsExactly(e);
        assertThat(e.errno()).isEqualTo(Errno.EIO);
        assertThat(e.expected()).isEqualTo(Fixtures.expectedDigest(img));
        assertThat(kexec.status(ImageType.CRASH)).as("damaged, but still what was loaded").isTrue();
        assertThat(kexec.crashKernelRunning()).as("no crash kernel was entered").isFalse();
    }

    @Test
    void a_default_image_copied_at_load_is_handed_over_at_once_with_its_load_digest_the_entry_not_held() {
        KexecImage img = Fixtures.defaultImage(33);
        kexec.load(img);
        List<HandoverPlan> handed = new ArrayList<>();
        HandoverTarget target = new HandoverTarget() {
            @Override
            public void handOver(HandoverPlan plan) {
                handed.add(plan);
            }

            @Override
            public boolean holdsEntry() {
                return true; // offered, not needed: the block is jkexec's own, out of the guest's reach
            }

            @Override
            public void handOverHeld(HandoverPlan plan) {
                throw new AssertionError("held for a digest that stands");
            }
        };
        HandoverPlan plan = kexec.exec(ImageType.DEFAULT, target);
        assertThat(handed).containsExactly(plan);
        assertThat(plan.sha256()).isEqualTo(Fixtures.expectedDigest(img));
        assertThat(plan.relocates()).as("still through staging and the page list").isTrue();
    }

    @Test
    void a_held_handover_of_an_intact_image_is_released_after_its_digest_matched() {
        KexecImage crash = Fixtures.crashImage(16);
        kexec.load(crash);
        HeldTarget target = new HeldTarget();
        HandoverPlan plan = kexec.exec(ImageType.CRASH, target);
        assertThat(target.calls).containsExactly("handOverHeld", "release");
        assertThat(plan.sha256()).isEqualTo(Fixtures.expectedDigest(crash));
        assertThat(kexec.crashKernelRunning()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damages")
    void a_damaged_crash_image_is_refused_the_same_when_its_digest_was_taken_ahead(String where, long address) {
        KexecImage img = Fixtures.crashImage(15);
        kexec.load(img);
        memory.write(address, new byte[] {(byte) (memory.read(address, 1)[0] ^ 1)});
        DigestAhead ahead = kexec.digestAhead(ImageType.CRASH);
        List<ImageDamagedException> reported = new ArrayList<>();
        ImageDamagedException e = catchThrowableOfType(ImageDamagedException.class, () -> kexec.exec(ImageType.CRASH, new HandoverTarget() {
            @Override
            public void handOver(HandoverPlan plan) {
                throw new AssertionError("handed over a damaged image");
            }

            @Override
            public void imageDamaged(ImageDamagedException damage) {
                reported.add(damage);
            }
        }, ahead));
        assertThat(reported).containsExactly(e);
        assertThat(e.expected()).isEqualTo(Fixtures.expectedDigest(img));
        assertThat(e.actual()).isNotEqualTo(e.expected());
        assertThat(kexec.status(ImageType.CRASH)).isTrue();
        assertThat(kexec.crashKernelRunning()).isFalse();
    }

    @Test
    void a_digest_taken_ahead_of_an_image_replaced_since_is_not_used() {
        kexec.load(Fixtures.crashImage(20));
        DigestAhead ahead = kexec.digestAhead(ImageType.CRASH);
        KexecImage next = Fixtures.crashImage(21);
        kexec.load(next);
        HandoverPlan plan = kexec.exec(ImageType.CRASH, p -> { }, ahead);
        assertThat(plan.sha256()).isEqualTo(Fixtures.expectedDigest(next));
    }

    @Test
    void a_digest_taken_ahead_of_an_empty_slot_leaves_exec_enoent() {
        DigestAhead ahead = kexec.digestAhead(ImageType.CRASH);
        assertThat(catchThrowableOfType(KexecException.class, () -> kexec.exec(ImageType.CRASH, p -> { }, ahead)).errno())
                .isEqualTo(Errno.ENOENT);
    }

    @Test
    void a_failed_handover_keeps_the_crash_image() {
        kexec.load(Fixtures.crashImage(16));
        assertThatThrownBy(() -> kexec.exec(ImageType.CRASH, p -> { throw new IllegalStateException("qemu gone"); }))
                .hasMessage("qemu gone");
        assertThat(kexec.status(ImageType.CRASH)).isTrue();
    }

    @Test
    void load_and_unload_during_a_handover_are_ebusy() {
        kexec.load(Fixtures.defaultImage(17));
        kexec.load(Fixtures.crashImage(18));
        kexec.exec(ImageType.DEFAULT, p -> {
            assertThat(catchThrowableOfType(KexecException.class, () -> kexec.unload(ImageType.CRASH)).errno()).isEqualTo(Errno.EBUSY);
            assertThat(catchThrowableOfType(KexecException.class, () -> kexec.load(Fixtures.crashImage(19))).errno()).isEqualTo(Errno.EBUSY);
            assertThat(catchThrowableOfType(KexecException.class, () -> kexec.exec(ImageType.CRASH, q -> { })).errno())
                    .isEqualTo(Errno.EBUSY);
            assertThat(kexec.status(ImageType.CRASH)).isTrue();
        });
        kexec.unload(ImageType.CRASH);
        assertThat(kexec.status(ImageType.CRASH)).isFalse();
    }

    @Test
    void staging_too_small_at_exec_is_enomem_and_the_image_stays() {
        // Staging lies over the image's own destination: every page in it is parked, none is usable.
        Kexec k = new Kexec(Fixtures.config().withStaging(2 * MIB, 16 * PAGE).withMaxDefaultImageBytes(MIB), Fixtures.memory());
        KexecImage img = image(ImageType.DEFAULT, 0, seg(20, 3 * (int) PAGE, 2 * MIB, 16 * PAGE));
        k.load(img);
        byte[] outside = k.memory().read(0, (int) (2 * MIB));
        KexecException e = catchThrowableOfType(KexecException.class,
                () -> k.exec(ImageType.DEFAULT, p -> { throw new AssertionError("handed over"); }));
        assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
        assertThat(e.getMessage()).contains("staging: 0x200000-0x210000 exhausted").contains("16 of them inside");
        assertThat(k.status(ImageType.DEFAULT)).isTrue();
        assertThat(k.memory().read(0, (int) (2 * MIB))).isEqualTo(outside);
    }

    @Test
    void unload_frees_the_held_copy() {
        kexec.load(Fixtures.defaultImage(21));
        kexec.unload(ImageType.DEFAULT);
        assertThat(kexec.image(ImageType.DEFAULT)).isEmpty();
        kexec.close();
    }

    @Test
    void mapping_only_segment_reaches_the_plan() {
        kexec.load(image(ImageType.DEFAULT, 0x100000, mapping(0, 0x100000), seg(22, 10, 0x100000, PAGE)));
        HandoverPlan plan = kexec.exec(ImageType.DEFAULT, p -> { });
        assertThat(plan.mappedRanges()).containsExactly(new PhysicalRange(0, 0x100000), new PhysicalRange(0x100000, PAGE));
        assertThat(plan.pageList().sourcePages()).isEqualTo(1);
    }
}
