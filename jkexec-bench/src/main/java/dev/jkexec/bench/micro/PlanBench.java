package dev.jkexec.bench.micro;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.image.plan.KexecPlanner;
import dev.jkexec.image.plan.PlanRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The toolstack's whole plan of a default image — bzImage parse, placement of kernel, 10 MiB
 * initrd, zero page (setup header, e820, command line) and the generated purgatory — for a 1 GiB
 * machine: the host-side work of a load before the core's digest. Files are read once per trial.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--sun-misc-unsafe-memory-access=allow"})
public class PlanBench {
    private byte[] kernel;
    private byte[] initrd;
    private final MachineLayout layout = MachineLayout.defaults().withGuestRam(1L << 30);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        kernel = Files.readAllBytes(GuestAssets.genericKernel());
        initrd = new byte[10 << 20];
        new java.util.Random(1).nextBytes(initrd);
    }

    @Benchmark
    public ImagePlan planBzImage() {
        return new KexecPlanner().plan(PlanRequest.builder(kernel, layout.guestMemoryMap())
                .commandLine("console=ttyS0,115200 earlycon=uart8250,io,0x3f8,115200 printk.devkmsg=on")
                .initrd(initrd).build());
    }
}
