package dev.jkexec.machine.boot;

import static dev.jkexec.machine.boot.MachineFixture.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.image.Arch;
import dev.jkexec.image.ImageType;
import dev.jkexec.image.KexecImage;
import dev.jkexec.image.KexecSegment;
import dev.jkexec.machine.CrashOutcome;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.platform.testing.NeedsQemu;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Machine test (QEMU, TCG): the firmware's refresh of the crash region is what keeps stale
 * translated code from running. The guest executes code in the crash region (TCG translates it),
 * then a crash image with other bytes at the same address is loaded: the host writes the region
 * behind TCG's back, so the translation of the old bytes survives — and would run at the crash
 * kernel's entry unless the firmware rewrites those pages on the vCPU first. A crash image loaded
 * before anything ran is entered without a refresh (nothing can be stale), and still runs as loaded.
 *
 * <p>The images are raw EM_386 code (protected mode, paging off, entered by the firmware the same
 * way for both types, so a translation made while the default image ran matches the crash entry):
 * each prints one letter on the serial port and halts.
 */
@NeedsQemu
class CrashRefreshTest {
    private static final MachineLayout LAYOUT = new MachineLayout(64L << 20, 32L << 20, 64L << 20, 1);
    private static final long PAGE = 4096;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** {@code mov dx,0x3f8; mov al,c; out dx,al; mov al,'\n'; out dx,al; 1: hlt; jmp 1b}. */
    private static byte[] printsAndHalts(char c) {
        return new byte[] {0x66, (byte) 0xBA, (byte) 0xF8, 0x03, (byte) 0xB0, (byte) c, (byte) 0xEE, (byte) 0xB0, 0x0A,
                (byte) 0xEE, (byte) 0xF4, (byte) 0xEB, (byte) 0xFD};
    }

    /** {@code mov eax,target; jmp eax}: the default guest runs the crash region's bytes. */
    private static byte[] jumpsTo(long target) {
        int t = Math.toIntExact(target);
        return new byte[] {(byte) 0xB8, (byte) t, (byte) (t >>> 8), (byte) (t >>> 16), (byte) (t >>> 24), (byte) 0xFF, (byte) 0xE0};
    }

    private static KexecImage image(ImageType type, long at, byte[] code) {
        return new KexecImage(type, Arch.I386, at, List.of(new KexecSegment(MemorySegment.ofArray(code), at, PAGE, "code")), null);
    }

    /** The first line after {@code from} that is one of the images' letters. */
    private static String letter(Machine m, long from) {
        return m.console().awaitLine(Pattern.compile("[AB]"), WAIT, from).text();
    }

    @Test
    void codeTheGuestRanInTheRegionBeforeALoadDoesNotRunAtTheCrash() {
        try (Machine m = start(LAYOUT, tempDir())) {
            long x = LAYOUT.crashBase();
            m.load(image(ImageType.CRASH, x, printsAndHalts('A')));
            long from = m.console().mark();
            m.boot(image(ImageType.DEFAULT, 0x200000, jumpsTo(x)));
            assertThat(letter(m, from)).as("the guest ran the region's code").isEqualTo("A");
            m.load(image(ImageType.CRASH, x, printsAndHalts('B'))); // written behind TCG's back, the vCPUs ran
            long crash = m.console().mark();
            assertThat(m.crash("test")).isInstanceOfSatisfying(CrashOutcome.CrashKernel.class,
                    k -> assertThat(k.plan().inPlaceRanges()).as("refreshed").isNotEmpty());
            assertThat(letter(m, crash)).as("the crash image as loaded, not a stale translation").isEqualTo("B");
        }
    }

    @Test
    void anImageLoadedBeforeAnythingRanIsEnteredAsLoaded() {
        try (Machine m = start(LAYOUT, tempDir())) {
            long x = LAYOUT.crashBase();
            m.load(image(ImageType.CRASH, x, printsAndHalts('B')));
            long from = m.console().mark();
            m.boot(image(ImageType.DEFAULT, 0x200000, printsAndHalts('A')));
            assertThat(letter(m, from)).isEqualTo("A");
            long crash = m.console().mark();
            assertThat(m.crash("test")).isInstanceOfSatisfying(CrashOutcome.CrashKernel.class,
                    k -> assertThat(k.plan().inPlaceRanges()).as("nothing to refresh").isEmpty());
            assertThat(letter(m, crash)).isEqualTo("B");
        }
    }
}
