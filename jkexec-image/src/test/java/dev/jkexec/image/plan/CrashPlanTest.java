package dev.jkexec.image.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jkexec.platform.E820Type;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.platform.MemoryRange;
import dev.jkexec.image.RealKernels;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.crash.CrashEnvironment;
import dev.jkexec.image.elf.ElfFile;
import dev.jkexec.image.elf.ElfParser;
import dev.jkexec.image.elf.ProgramHeader;
import dev.jkexec.image.purgatory.PurgatoryParams;
import dev.jkexec.image.testing.ElfBuilder;
import dev.jkexec.image.testing.Maps;
import dev.jkexec.platform.testing.NeedsTestData;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Crash images of the real kernel: everything in the crash region, the backup, the ELF core header, the crash e820. */
@NeedsTestData
class CrashPlanTest {
    static final long GIB = 1L << 30;
    static final long HIDDEN = GIB + Maps.CRASH_SIZE;
    static final MemoryRange REGION = Maps.crashRegion(GIB);

    static CrashEnvironment env() {
        return new CrashEnvironment(REGION,
                List.of(new MemoryRange(HIDDEN + 0x10000, 0x400, E820Type.RESERVED), new MemoryRange(HIDDEN + 0x10400, 0x400, E820Type.RESERVED)),
                new MemoryRange(HIDDEN + 0x8000, 0x1000, E820Type.RESERVED), Maps.guest1G().ram());
    }

    @Test
    void crashImageOfTheGenericKernel() {
        KexecPlannerTest.FakePurgatory purgatory = new KexecPlannerTest.FakePurgatory();
        ImagePlan plan = new KexecPlanner(purgatory).plan(PlanRequest.builder(RealKernels.generic(), Maps.guest1G())
                .crash(env()).initrd(KexecPlannerTest.INITRD).commandLine("console=ttyS0 irqpoll nr_cpus=1 -- init-arg").build());
        KexecImage img = plan.image();
        assertThat(img.type()).isEqualTo(ImageType.CRASH);
        assertThat(img.segments()).extracting(KexecSegment::what)
                .containsExactly("initrd", "kernel", "purgatory", "setup", "elfcorehdr", "backup");
        assertThat(img.segments()).allMatch(s -> REGION.contains(s.destination(), s.destinationSize()));
        assertThat(REGION.contains(img.entry())).isTrue();

        KexecSegment backup = KexecPlannerTest.segment(img, "backup");
        assertThat(backup.destination()).isEqualTo(REGION.end() - 0xA0000);
        assertThat(backup.destinationSize()).isEqualTo(0xA0000);
        assertThat(backup.bufferSize()).isEqualTo(0xA0000);
        assertThat(KexecPlannerTest.bytes(backup)).containsOnly(0);

        KexecSegment header = KexecPlannerTest.segment(img, "elfcorehdr");
        assertThat(header.destination()).isEqualTo(backup.destination() - 0x1000);
        assertThat(header.destination() % 1024).isZero();
        ElfFile core = ElfParser.parseHeaders(header.buffer());
        assertThat(core.type()).isEqualTo(ElfFile.ET_CORE);
        assertThat(core.programHeaders()).extracting(ProgramHeader::typeName)
                .containsExactly("PT_NOTE", "PT_NOTE", "PT_NOTE", "PT_LOAD", "PT_LOAD");
        assertThat(core.loads().getFirst().offset()).isEqualTo(backup.destination());
        assertThat(core.loads().getFirst().paddr()).isZero();
        assertThat(core.loads().stream().mapToLong(ProgramHeader::memsz).sum()).isEqualTo(Maps.guest1G().total(E820Type.RAM));

        // Purgatory: backs 640 KiB of low memory up into the backup segment.
        PurgatoryParams p = purgatory.calls.getLast();
        assertThat(p.backupSource()).isZero();
        assertThat(p.backupDestination()).isEqualTo(backup.destination());
        assertThat(p.backupSize()).isEqualTo(0xA0000);
        assertThat(p.loadAddress()).isEqualTo(img.entry());

        // Command line: elfcorehdr first, so nothing after " -- " can swallow it.
        KexecSegment setup = KexecPlannerTest.segment(img, "setup");
        byte[] s = KexecPlannerTest.bytes(setup);
        String cmdline = new String(s, 4096, s.length - 4097, StandardCharsets.US_ASCII);
        assertThat(cmdline).isEqualTo("elfcorehdr=0x" + Long.toHexString(header.destination()) + " console=ttyS0 irqpoll nr_cpus=1 -- init-arg");
        assertThat(plan.layout().commandLine()).isEqualTo(cmdline);

        // The crash e820: RAM is only low memory and the crash region minus the header and backup.
        ZeroPage z = ZeroPage.view(s);
        List<MemoryRange> ram = z.e820().stream().filter(r -> r.type() == E820Type.RAM).toList();
        assertThat(ram).containsExactly(new MemoryRange(0, 0xA0000, E820Type.RAM),
                new MemoryRange(REGION.start(), header.destination() - REGION.start(), E820Type.RAM));
        assertThat(z.e820()).anyMatch(r -> r.type() == E820Type.RESERVED && r.contains(0x100000) && r.contains(GIB - 1));
        assertThat(z.e820()).anyMatch(r -> r.type() == E820Type.RESERVED && r.contains(header.destination()) && r.contains(REGION.end() - 1));
        assertThat(z.u32(ZeroPage.ALT_MEM_K)).isZero();
        assertThat(img.plannedFor()).isEqualTo(Maps.guest1G());
        assertThat(plan.describe()).contains("Created elf header segment at 0x" + Long.toHexString(header.destination()));
    }

    @Test
    void thirtyTwoBitCrashImage() {
        KexecImage img = new KexecPlanner(new KexecPlannerTest.FakePurgatory()).plan(PlanRequest.builder(RealKernels.generic(),
                Maps.guest1G()).crash(env()).entry(EntryMode.BIT32).build()).image();
        assertThat(img.arch()).isEqualTo(dev.jkexec.image.Arch.I386);
        assertThat(img.segments()).allMatch(s -> REGION.contains(s.destination(), s.destinationSize()));
    }

    @Test
    void crashRegionTooSmall() {
        CrashEnvironment small = new CrashEnvironment(new MemoryRange(GIB, 32L << 20, E820Type.RESERVED), List.of(), null, Maps.guest1G().ram());
        assertThatThrownBy(() -> new KexecPlanner(new KexecPlannerTest.FakePurgatory())
                .plan(PlanRequest.builder(RealKernels.generic(), Maps.guest1G()).crash(small).build()))
                .isInstanceOf(PlacementException.class).hasMessageStartingWith("kernel: no room");
    }

    @Test
    void elfVmlinuxOutsideTheCrashRegionIsRefused() {
        byte[] vmlinux = ElfBuilder.elf64().load(0xffffffff81000000L, 0x1000000, new byte[0x2000], 0x2000).build();
        assertThatThrownBy(() -> new KexecPlanner(new KexecPlannerTest.FakePurgatory())
                .plan(PlanRequest.builder(MemorySegment.ofArray(vmlinux), Maps.guest1G()).crash(env()).build()))
                .isInstanceOf(PlacementException.class).hasMessageContaining("is not inside usable memory");
    }

    @Test
    void oldRamMayNotOverlapTheCrashRegion() {
        assertThatThrownBy(() -> new CrashEnvironment(REGION, List.of(), null, List.of(new MemoryRange(0, 2 * GIB, E820Type.RAM))))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
