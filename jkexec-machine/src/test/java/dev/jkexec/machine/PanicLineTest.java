package dev.jkexec.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jkexec.platform.testing.Pure;
import org.junit.jupiter.api.Test;

/**
 * The console panic fallback takes only the kernel's own panic line: a program quoting one (the
 * crash kernel's vmcore-dmesg printing the crashed kernel's log) must not crash the crash kernel.
 */
@Pure
class PanicLineTest {
    static boolean panic(String line) {
        return Machine.PANIC_LINE.matcher(line).find();
    }

    @Test
    void theKernelsOwnLineWithOrWithoutItsStamps() {
        assertThat(panic("Kernel panic - not syncing: sysrq triggered crash")).isTrue();
        assertThat(panic("[    5.123456] Kernel panic - not syncing: VFS: Unable to mount root fs")).isTrue();
        assertThat(panic("[    5.123456][    T1] Kernel panic - not syncing: Attempted to kill init!")).isTrue();
    }

    @Test
    void notItsClosingLineNorAProgramQuotingIt() {
        assertThat(panic("[    5.2] ---[ end Kernel panic - not syncing: sysrq triggered crash ]---")).isFalse();
        assertThat(panic("jkexec-guest: vmcore-dmesg Kernel panic - not syncing: sysrq triggered crash")).isFalse();
        assertThat(panic("jkexec-guest: makedumpfile dmesg [    5.1] Kernel panic - not syncing: x")).isFalse();
        assertThat(panic("echo Kernel panic - not syncing")).isFalse();
    }
}
