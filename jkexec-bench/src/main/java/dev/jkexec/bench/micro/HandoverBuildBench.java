package dev.jkexec.bench.micro;

import dev.jkexec.core.MachineLayout;
import dev.jkexec.core.PhysicalMemory;
import dev.jkexec.core.handover.IdentityMap;
import dev.jkexec.machine.firmware.Firmware;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** The per-handover encoders: identity page tables for 4 GiB and the firmware ROM. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class HandoverBuildBench {
    private final PhysicalMemory memory = PhysicalMemory.ofHeap(1 << 20);
    private final MachineLayout layout = MachineLayout.defaults();

    @Benchmark
    public long identityMap4GiB() {
        return IdentityMap.write(memory, 0x10000, 1L << 32);
    }

    @Benchmark
    public byte[] firmwareRom() {
        return Firmware.build(layout);
    }
}
