package dev.jkexec.bench.micro;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PhysicalMemory;
import dev.jkexec.core.handover.IdentityMap;
import dev.jkexec.machine.firmware.Firmware;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.image.boot.E820Table;
import dev.jkexec.image.boot.ZeroPage;
import dev.jkexec.image.boot.ZeroPageBuilder;
import dev.jkexec.image.bzimage.BzImage;
import dev.jkexec.image.bzimage.SetupHeader;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-handover encoders: identity page tables for 4 GiB (2 MiB pages, written at every
 * handover), the zero page of the generic bzImage (setup header, loader fields, e820 of a 1 GiB
 * machine), and the firmware ROM (generated once per machine).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(1)
public class HandoverBuildBench {
    private final PhysicalMemory memory = PhysicalMemory.ofHeap(1 << 20);
    private final MachineLayout layout = MachineLayout.defaults();
    private SetupHeader header;
    private E820Table e820;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        header = BzImage.parse(MemorySegment.ofArray(Files.readAllBytes(GuestAssets.genericKernel()))).header();
        e820 = E820Table.of(layout.withGuestRam(1L << 30).guestMemoryMap());
    }

    @Benchmark
    public byte[] zeroPage() {
        return ZeroPageBuilder.fromHeader(header).typeOfLoader(ZeroPage.TYPE_OF_LOADER_KEXEC).loadFlags(0)
                .commandLine(0x3fffe000L).ramdisk(0x3b622000L, 10L << 20).acpiRsdp(0x9F000 + 0x100).e820(e820).build();
    }

    @Benchmark
    public long identityMap4GiB() {
        return IdentityMap.write(memory, 0x10000, 1L << 32);
    }

    @Benchmark
    public byte[] firmwareRom() {
        return Firmware.build(layout);
    }
}
