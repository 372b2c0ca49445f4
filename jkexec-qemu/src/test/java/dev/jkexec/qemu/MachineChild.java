package dev.jkexec.qemu;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

/**
 * The main of a child JVM for {@link QemuLifetimeTest}: starts a machine under {@code args[0]},
 * runs it until the ROM has printed, prints {@code READY <qemu pid> <work directory>} and waits to be
 * killed. It never closes the machine: whatever cleans up is the exit path under test.
 */
public final class MachineChild {
    private MachineChild() {}

    public static void main(String[] args) throws Exception {
        QemuMachine m = QemuMachine.start(Machines.config(TestRoms.PRINT_J, h -> h.tmpRoot(Path.of(args[0]))));
        m.resume();
        m.console().awaitLine(Pattern.compile("^J$"), Duration.ofSeconds(30), 0);
        System.out.println("READY " + m.pid() + " " + m.workDirectory());
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
