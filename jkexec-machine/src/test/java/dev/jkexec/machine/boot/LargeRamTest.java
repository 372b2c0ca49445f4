package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.core.kexec.HandoverPlan;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.PcPlatform;
import dev.jkexec.platform.testing.NeedsQemu;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Machine test (QEMU, TCG): a 16 GiB guest, its RAM split by QEMU's pc machine around the PCI hole
 * (3 GiB below 4 GiB, the rest from 4 GiB), in a sparse RAM file on tmpfs. The kernel is told both
 * RAM ranges by jkexec's e820 and uses them; an exec hands the same machine to the next kernel,
 * which sees them too.
 */
@NeedsQemu
class LargeRamTest {
    static final long GIB = 1L << 30;
    /** Booting 16 GiB initialises 4 million struct pages under TCG: slower than a small guest. */
    static final Duration LARGE_BOOT = Duration.ofSeconds(240);

    @Test
    void aSixteenGibGuestSeesItsRamAboveFourGibBeforeAndAfterAnExec() {
        MachineLayout layout = MachineLayout.defaults().withGuestRam(16 * GIB);
        assertThat(layout.isSplit()).isTrue();
        try (Machine m = start(layout, tempDir())) {
            long from = m.console().mark();
            m.boot(KernelSpec.busybox(cloud(), CONSOLE + " jkexec.gen=1"));
            m.console().awaitLine(Pattern.compile(Pattern.quote(dev.jkexec.machine.guest.GuestInit.READY) + " gen=1 .*"),
                    LARGE_BOOT, from);
            String high = String.format("BIOS-e820: [mem 0x%016x-0x%016x] usable", PcPlatform.FOUR_GIB, layout.ramEnd() - 1);
            assertThat(m.console().lines().subList((int) from, m.console().lines().size()))
                    .anyMatch(l -> l.text().contains(high));
            assertThat(memTotalKib(m)).as("MemTotal").isBetween(15L * GIB / 1024, 16L * GIB / 1024);

            m.load(KernelSpec.busybox(generic(), CONSOLE + " jkexec.gen=2"));
            long mark = m.console().mark();
            HandoverPlan plan = m.exec();
            assertThat(plan.relocates()).isTrue();
            m.console().awaitLine(Pattern.compile(Pattern.quote(dev.jkexec.machine.guest.GuestInit.READY) + " gen=2 .*"),
                    LARGE_BOOT, mark);
            assertThat(memTotalKib(m)).as("MemTotal after exec").isBetween(15L * GIB / 1024, 16L * GIB / 1024);
        }
    }

    /** The guest's MemTotal in KiB, read from /proc/meminfo on its console. */
    static long memTotalKib(Machine m) {
        long mark = m.console().mark();
        m.console().send("grep MemTotal /proc/meminfo | tr -s ' ' | sed 's/^/JKEXEC-MEM /'\n".getBytes());
        String line = m.console().awaitLine(Pattern.compile("^JKEXEC-MEM MemTotal: [0-9]+ kB.*"), BOOT, mark).text();
        Matcher n = Pattern.compile("MemTotal: ([0-9]+) kB").matcher(line);
        assertThat(n.find()).isTrue();
        return Long.parseLong(n.group(1));
    }
}
