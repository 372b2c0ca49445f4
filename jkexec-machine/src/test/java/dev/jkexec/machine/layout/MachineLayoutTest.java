package dev.jkexec.machine.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.core.handover.IdentityMap;
import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.core.kexec.Kexec;
import dev.jkexec.core.kexec.KexecConfig;
import dev.jkexec.core.kexec.PageListWalker;
import dev.jkexec.core.kexec.PhysicalRange;
import dev.jkexec.core.kexec.RangeId;
import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.E820Type;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.platform.testing.Pure;
import dev.jkexec.platform.x86.Paging;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The machine's memory map: how the regions pack, what the guest is told, what the core is given. */
@Pure
class MachineLayoutTest {
    private static final long MIB = 1L << 20;
    private static final long PAGE = Paging.PAGE_SIZE;

    static Stream<MachineLayout> layouts() {
        return Stream.of(MachineLayout.defaults(),
                new MachineLayout(MachineLayout.MIN_GUEST_RAM, 0, Paging.LARGE_PAGE_SIZE, 1),
                new MachineLayout(256 * MIB, 160 * MIB, 128 * MIB, 2),
                // The largest: 2 GiB + 1 GiB + 412 MiB + 2 MiB + the 96 MiB hypercall window = 3582 MiB.
                new MachineLayout(2048 * MIB, 1024 * MIB, 412 * MIB, MachineLayout.MAX_CPUS));
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void regionsPackUpwardsFromGuestRamWithoutGaps(MachineLayout l) {
        assertThat(l.crashBase()).isEqualTo(l.guestRam());
        assertThat(l.hiddenBase()).isEqualTo(l.crashBase() + l.crashSize());
        assertThat(l.stagingBase()).isEqualTo(l.hiddenBase() + MachineLayout.HIDDEN_SIZE);
        assertThat(l.hypercallWindow()).isEqualTo(l.stagingBase() + l.stagingSize());
        assertThat(l.totalRam()).isEqualTo(l.hypercallWindow() + MachineLayout.HYPERCALL_WINDOW_SIZE);
        assertThat(l.isSplit()).isFalse();
        assertThat(l.totalRam()).isLessThan(MachineLayout.MAX_LOW_RAM).isEqualTo(l.lowRamTop()).isEqualTo(l.ramEnd());
        for (long boundary : new long[] {l.crashBase(), l.hiddenBase(), l.stagingBase(), l.hypercallWindow(), l.totalRam()}) {
            assertThat(boundary % Paging.LARGE_PAGE_SIZE).as("2 MiB aligned: 0x%x", boundary).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void jkexecsOwnPagesAreDisjointAndInsideTheHiddenArea(MachineLayout l) {
        record Part(String name, long start, long size) {
        }
        List<Part> parts = new ArrayList<>(List.of(
                new Part("handover block", l.handoverBlock(), PAGE),
                new Part("stack", l.stackTop() - PAGE, PAGE),
                new Part("entry GDTs", l.entryGdt64(), PAGE),
                new Part("ACPI", l.acpiBase(), MachineLayout.ACPI_SIZE),
                new Part("VMCOREINFO", l.vmcoreinfo(), MachineLayout.VMCOREINFO_SIZE),
                new Part("page tables", l.pageTables(), MachineLayout.PAGE_TABLES_SIZE)));
        for (int cpu = 0; cpu < l.cpus(); cpu++) {
            parts.add(new Part("crash note " + cpu, l.crashNote(cpu), MachineLayout.CRASH_NOTE_SIZE));
        }
        // Room for the notes of the most vCPUs a machine can have, whatever this one has.
        parts.add(new Part("crash notes (all slots)", l.hiddenBase() + MachineLayout.CRASH_NOTES_OFFSET,
                MachineLayout.MAX_CPUS * MachineLayout.CRASH_NOTE_SIZE));
        for (Part p : parts) {
            assertThat(p.start()).as(p.name()).isGreaterThanOrEqualTo(l.hiddenBase());
            assertThat(p.start() + p.size()).as(p.name()).isLessThanOrEqualTo(l.hiddenBase() + MachineLayout.HIDDEN_SIZE);
        }
        List<Part> sorted = parts.stream().filter(p -> !p.name().startsWith("crash note ")).sorted(Comparator.comparingLong(Part::start)).toList();
        for (int i = 1; i < sorted.size(); i++) {
            assertThat(sorted.get(i).start()).as(sorted.get(i - 1).name() + " ends before " + sorted.get(i).name())
                    .isGreaterThanOrEqualTo(sorted.get(i - 1).start() + sorted.get(i - 1).size());
        }
    }

    @Test
    void theIdentityTablesForTheLargestMachineFitTheirRoom() {
        // The firmware maps max(4 GiB, all RAM): up to 4 GiB + the largest guest's high RAM.
        MachineLayout largest = MachineLayout.defaults().withGuestRam(MachineLayout.MAX_GUEST_RAM);
        assertThat(IdentityMap.tableBytes(PcPlatform.FOUR_GIB)).isLessThanOrEqualTo(MachineLayout.PAGE_TABLES_SIZE);
        assertThat(IdentityMap.tableBytes(largest.ramEnd())).isLessThanOrEqualTo(MachineLayout.PAGE_TABLES_SIZE);
    }

    @Test
    void invariantsAreRefusedByName() {
        assertThatThrownBy(() -> new MachineLayout(65 * MIB, 0, 2 * MIB, 1)).hasMessageContaining("guest RAM")
                .hasMessageContaining("not a multiple of 2 MiB");
        assertThatThrownBy(() -> new MachineLayout(32 * MIB, 0, 2 * MIB, 1)).hasMessageContaining("below the minimum 64 MiB");
        assertThatThrownBy(() -> new MachineLayout(64 * MIB, 1 * MIB, 2 * MIB, 1)).hasMessageContaining("crash region size");
        assertThatThrownBy(() -> new MachineLayout(64 * MIB, 0, 0, 1)).hasMessageContaining("staging size 0 MiB is below 2 MiB");
        assertThatThrownBy(() -> new MachineLayout(64 * MIB, 0, 2 * MIB, 0)).hasMessageContaining("cpus 0 outside 1..64");
        assertThatThrownBy(() -> new MachineLayout(4096 * MIB, 2816 * MIB, 256 * MIB, 1))
                .hasMessageContaining("crash region 2816 MiB + staging 256 MiB + 2 MiB + the hypercall window 96 MiB = 3170 MiB")
                .hasMessageContaining("leaves less than 64 MiB of guest RAM below 3072 MiB");
        assertThatThrownBy(() -> new MachineLayout(MachineLayout.MAX_GUEST_RAM + 2 * MIB, 0, 2 * MIB, 1))
                .hasMessageContaining("is above the maximum 65536 MiB");
    }

    @ParameterizedTest
    @MethodSource("layouts")
    void theGuestIsToldItsRamAndNothingElse(MachineLayout l) {
        var map = l.guestMemoryMap();
        assertThat(map.covers(0, MachineLayout.MAILBOX, E820Type.RAM)).isTrue();
        assertThat(map.covers(MachineLayout.MAILBOX, PAGE, E820Type.RESERVED)).isTrue();
        assertThat(map.covers(PcPlatform.BIOS_AREA_START, PcPlatform.ONE_MIB - PcPlatform.BIOS_AREA_START, E820Type.RESERVED)).isTrue();
        assertThat(map.covers(PcPlatform.ONE_MIB, l.guestRam() - PcPlatform.ONE_MIB, E820Type.RAM)).isTrue();
        assertThat(map.covers(l.crashBase(), l.totalRam() - l.crashBase(), E820Type.RESERVED)).isTrue();
        // The hypercall window is reserved: Linux's STRICT_DEVMEM lets the dom0 shim map it through /dev/mem.
        assertThat(map.covers(l.hypercallWindow(), MachineLayout.HYPERCALL_WINDOW_SIZE, E820Type.RESERVED)).isTrue();
        assertThat(map.covers(MachineLayout.HYPERCALL_DESCRIPTOR, 32, E820Type.RESERVED)).isTrue();
        assertThat(map.covers(MachineLayout.ROM_BASE, MachineLayout.ROM_SIZE, E820Type.RESERVED)).isTrue();
        assertThat(map.total(E820Type.RAM)).isEqualTo(MachineLayout.MAILBOX + l.guestRam() - PcPlatform.ONE_MIB);
        // The VGA window is in no range at all: Linux must not think it RAM, nor reserved by us.
        assertThat(map.find(PcPlatform.LEGACY_WINDOW_START)).isNull();
        // What a guest can write, and dumps cover: all of conventional memory and the RAM above 1 MiB.
        assertThat(l.guestRamRanges().ranges()).containsExactly(
                new MemoryRange(0, PcPlatform.LOW_RAM_END, E820Type.RAM),
                new MemoryRange(PcPlatform.ONE_MIB, l.guestRam() - PcPlatform.ONE_MIB, E820Type.RAM));
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 30, 0x60000000L, 256L << 20})
    void theToolstacksTestsPlanOnThisMap(long guestRam) {
        // jkexec-image cannot see this class: its fixture must be the same map, or its tests plan
        // for a machine that does not exist.
        MachineLayout l = MachineLayout.defaults().withGuestRam(guestRam);
        assertThat(Maps.guest(guestRam)).isEqualTo(l.guestMemoryMap());
        assertThat(Maps.crashRegion(guestRam)).isEqualTo(new MemoryRange(l.crashBase(), l.crashSize(), E820Type.RESERVED));
        assertThat(Maps.oldRam(guestRam)).isEqualTo(l.guestRamRanges().ranges());
        assertThat(Maps.MAILBOX).isEqualTo(MachineLayout.MAILBOX);
    }

    @Test
    void theMailboxPageHoldsTheMarkerTheVmcoreinfoHintAndTheHypercallDescriptorApart() {
        // the marker tests write at its start, the guest's VMCOREINFO hint, the window descriptor at its end
        long hintEnd = MachineLayout.VMCOREINFO_HINT + dev.jkexec.core.crash.VmcoreInfoHint.MAX;
        assertThat(MachineLayout.VMCOREINFO_HINT).isGreaterThan(MachineLayout.MAILBOX);
        assertThat(hintEnd).isLessThanOrEqualTo(MachineLayout.HYPERCALL_DESCRIPTOR);
        assertThat(MachineLayout.HYPERCALL_DESCRIPTOR + 32).isLessThanOrEqualTo(MachineLayout.MAILBOX + PAGE);
    }

    @Test
    void config_from_machine_layout() {
        MachineLayout layout = MachineLayout.defaults().withCpus(3);
        KexecConfig c = layout.kexecConfig();
        assertThat(c.crashRegion()).isEqualTo(new PhysicalRange(layout.crashBase(), layout.crashSize()));
        assertThat(c.staging()).isEqualTo(new PhysicalRange(layout.stagingBase(), layout.stagingSize()));
        assertThat(c.crashNotes()).containsExactly(
                new PhysicalRange(layout.crashNote(0), MachineLayout.CRASH_NOTE_SIZE),
                new PhysicalRange(layout.crashNote(1), MachineLayout.CRASH_NOTE_SIZE),
                new PhysicalRange(layout.crashNote(2), MachineLayout.CRASH_NOTE_SIZE));
        assertThat(c.vmcoreinfo()).isEqualTo(new PhysicalRange(layout.vmcoreinfo(), 4096));
        assertThat(c.maxDefaultImageBytes()).isEqualTo(layout.stagingSize());
        assertThat(layout.withCrashSize(0).kexecConfig().crashRegion()).isEqualTo(PhysicalRange.NONE);
    }

    @Test
    void a_machine_layout_kexec_loads_crash_images_at_the_layout_crash_base() {
        MachineLayout layout = new MachineLayout(MachineLayout.MIN_GUEST_RAM, Paging.LARGE_PAGE_SIZE, Paging.LARGE_PAGE_SIZE, 2);
        Kexec k = new Kexec(layout.kexecConfig(), PhysicalMemory.ofHeap(layout.totalRam()));
        assertThat(k.getRange(RangeId.CPU, 1)).isEqualTo(new PhysicalRange(layout.crashNote(1), MachineLayout.CRASH_NOTE_SIZE));
        KexecImage crash = image(ImageType.CRASH, layout.crashBase(), seg(30, 100, layout.crashBase(), PAGE));
        k.load(crash);
        assertLoaded(k.memory(), crash);
        KexecImage def = image(ImageType.DEFAULT, 2 * MIB, seg(31, 3 * PAGE + 1, 2 * MIB, 4 * PAGE));
        k.load(def);
        HandoverPlan plan = k.exec(ImageType.DEFAULT, p -> PageListWalker.walk(k.memory(), p.pageListHead()));
        assertThat(plan.pageListHead()).isBetween(layout.stagingBase(), layout.totalRam() - 1);
        assertLoaded(k.memory(), def);
    }

    private static KexecSegment seg(long seed, long bufSize, long dest, long destSize) {
        byte[] b = new byte[Math.toIntExact(bufSize)];
        new Random(seed).nextBytes(b);
        return new KexecSegment(MemorySegment.ofArray(b), dest, destSize, "seg" + seed);
    }

    private static KexecImage image(ImageType type, long entry, KexecSegment... segments) {
        return new KexecImage(type, Arch.X86_64, entry, List.of(segments), null);
    }

    /** Physical memory at each segment holds its buffer followed by zeros. */
    private static void assertLoaded(PhysicalMemory memory, KexecImage image) {
        for (KexecSegment s : image.segments()) {
            MemorySegment at = memory.slice(s.destination(), s.destinationSize());
            assertThat(at.asSlice(0, s.bufferSize()).mismatch(s.buffer())).as(s.what()).isEqualTo(-1);
            MemorySegment tail = at.asSlice(s.bufferSize());
            assertThat(tail.mismatch(MemorySegment.ofArray(new byte[(int) tail.byteSize()]))).as(s.what() + " tail").isEqualTo(-1);
        }
    }
}
