package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.contract.RuleResult;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.image.multiboot.MultibootHeader;
import dev.jkexec.image.multiboot.MultibootInfo;
import dev.jkexec.image.multiboot.MultibootTestKernel;
import dev.jkexec.image.plan.ImagePlan;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.machine.verify.HandoverVerifier;
import dev.jkexec.platform.testing.NeedsQemu;
import dev.jkexec.platform.x86.Assembler;
import dev.jkexec.qemu.console.ConsoleLine;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Machine tests (QEMU, TCG): Multiboot v1 end to end with the test kernel jkexec builds with its
 * own assembler. It prints what it was entered with and the information structure it found; the
 * test compares every line with what the toolstack planned. A Multiboot kernel that triple faults
 * at once is reported by {@code verify} as a failed rule with the state it died in.
 */
@NeedsQemu
class MultibootBootTest {
    private static final Pattern LINE = Pattern.compile(Pattern.quote(MultibootTestKernel.PREFIX) + ".*");

    @Test
    void theTestKernelFindsTheStateAndStructureThePlanPromised() throws IOException {
        Path dir = tempDir();
        Path kernel = Files.write(dir.resolve("mbtest.bin"), MultibootTestKernel.build());
        Path mod0 = Files.write(dir.resolve("mod0.bin"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Path mod1 = Files.write(dir.resolve("mod1.bin"), new byte[0x2345]);
        KernelSpec spec = new KernelSpec(kernel, null, false, "hello world", 64, ImageType.DEFAULT, false,
                List.of(mod0 + " a=1 b=2", mod1.toString()), null);
        try (Machine m = start(small(1), dir)) {
            ImagePlan plan = m.toolstack().plan(spec);
            long from = m.console().mark();
            m.boot(plan.image());
            m.console().awaitLine(Pattern.compile(Pattern.quote(MultibootTestKernel.PREFIX + "done")), BOOT, from);
            List<String> lines = new ArrayList<>();
            for (ConsoleLine l : m.console().lines()) {
                if (l.index() >= from && LINE.matcher(l.text()).find()) {
                    lines.add(l.text().substring(l.text().indexOf(MultibootTestKernel.PREFIX) + MultibootTestKernel.PREFIX.length()));
                }
            }
            KexecSegment infoSegment = plan.image().segments().stream().filter(s -> s.what().equals("multiboot info")).findFirst().orElseThrow();
            byte[] memory = new byte[(int) infoSegment.destinationEnd()];
            MemorySegment.copy(infoSegment.buffer(), ValueLayout.JAVA_BYTE, 0, memory, (int) infoSegment.destination(),
                    (int) infoSegment.bufferSize());
            MultibootInfo info = MultibootInfo.decode(MemorySegment.ofArray(memory), infoSegment.destination());
            List<String> expected = new ArrayList<>();
            expected.add(String.format("eax=2badb002 ebx=%08x cr0=00000011 eflags=00000002 cs=0010 ds=0018", infoSegment.destination()));
            expected.add(String.format("flags=%08x mem_lower=%08x mem_upper=%08x", MultibootInfo.FLAGS, info.memLower(), info.memUpper()));
            expected.add("cmdline=mbtest.bin hello world");
            expected.add("boot_loader_name=jkexec");
            info.memoryMap().forEach(r -> expected.add(String.format("mmap base=%08x:%08x length=%08x:%08x type=%08x",
                    r.start() >>> 32, r.start() & 0xFFFF_FFFFL, r.size() >>> 32, r.size() & 0xFFFF_FFFFL, r.type().code())));
            expected.add(String.format("mods_count=%08x", 2));
            info.modules().forEach(mod -> expected.add(String.format("mod start=%08x end=%08x string=%s", mod.start(), mod.end(), mod.string())));
            expected.add("done");
            assertThat(lines).containsExactlyElementsOf(expected);
            assertThat(info.modules()).extracting(MultibootInfo.Module::string).containsExactly("mod0.bin a=1 b=2", "mod1.bin");
            assertThat(info.modules().getFirst().end() - info.modules().getFirst().start()).isEqualTo(9);
            // what the kernel found is also what jkexec's guest memory holds
            assertThat(m.memory().read(info.modules().getFirst().start(), 9)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }

    /** A Multiboot kernel whose first instruction is {@code ud2}: with no IDT, #UD becomes a triple fault. */
    static byte[] tripleFaultKernel() {
        long load = 0x100000;
        long flags = MultibootHeader.FLAG_MEMORY_INFO | MultibootHeader.FLAG_ADDRESSES;
        Assembler a = new Assembler(load).bits(32);
        var header = a.label("header");
        var start = a.label("start");
        a.bind(header).dd(MultibootHeader.MAGIC).dd(flags).dd((-(MultibootHeader.MAGIC + flags)) & 0xFFFF_FFFFL);
        a.dd(header).dd(load).dd(0).dd(0).dd(start);
        a.align(16, 0x90).bind(start).db(0x0F, 0x0B); // ud2
        a.fillTo(load + 4096, 0);
        return a.assemble();
    }

    @Test
    void verifyReportsATripleFaultWithTheStateTheGuestDiedIn() throws IOException {
        Path dir = tempDir();
        Path kernel = Files.write(dir.resolve("ud2.bin"), tripleFaultKernel());
        MachineOptions o = MachineOptions.builder().layout(small(1)).dumpDirectory(dir).crashOnPanic(false)
                .hardware(h -> h.gdbStub(true).cpuResetLog(true)).build();
        try (Machine m = Machine.start(o)) {
            long t0 = System.nanoTime();
            HandoverVerifier.Report r = new HandoverVerifier(m, Duration.ofSeconds(60))
                    .verify(new KernelSpec(kernel, null, false, "", 64, ImageType.DEFAULT), HandoverVerifier.BOOTED);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("noticed at once, not after the timeout").isLessThan(Duration.ofSeconds(50));
            assertThat(r.boundaries()).hasSize(3);
            assertThat(r.boundaries().get(1).passed()).as("the Multiboot entry itself is right").isTrue();
            RuleResult boots = r.boundaries().get(2).results().getFirst();
            assertThat(boots.rule()).isEqualTo("kernel.boots");
            assertThat(boots.pass()).isFalse();
            assertThat(boots.detail()).contains("the guest reset (guest-reset)", "last CPU state before the reset: PROTECTED_32",
                    String.format("rip 0x%x", 0x100020));
        }
    }
}
