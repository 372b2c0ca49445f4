package dev.jkexec.machine.hypercall;

import dev.jkexec.machine.layout.MachineLayout;
import dev.jkexec.image.ImageType;
import dev.jkexec.platform.GuestAssets;
import dev.jkexec.machine.KernelSpec;
import dev.jkexec.machine.Machine;
import dev.jkexec.machine.MachineOptions;
import dev.jkexec.qemu.console.ConsoleLine;
import dev.jkexec.machine.guest.Dom0Guest;
import dev.jkexec.machine.guest.GuestInit;
import dev.jkexec.machine.guest.GuestShell;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Machine tests of the hypercall (QEMU, TCG): a busybox guest that is a dom0 for jkexec
 * ({@link Dom0Guest}: Debian's kexec-tools, libxenctrl 4.17, the C shim) booted on a real
 * kernel; commands typed into its shell, their output and exit status read back.
 */
final class Dom0Fixture {
    static final Duration BOOT = Duration.ofSeconds(120);
    static final Duration COMMAND = Duration.ofSeconds(120);
    static final String CONSOLE = "console=ttyS0,115200 earlycon=uart8250,io,0x3f8,115200 panic=-1";
    private static final Map<Path, Path> INITRDS = new ConcurrentHashMap<>();
    private static final Path TEMP;

    static {
        try {
            TEMP = Files.createTempDirectory("jkexec-dom0-test");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var s = Files.walk(TEMP)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort at exit
            }
        }));
    }

    private Dom0Fixture() {
    }

    /** 512 MiB guest, 192 MiB crash region, 128 MiB staging: room for kexec-tools' images. */
    static MachineLayout layout(int cpus) {
        return new MachineLayout(512L << 20, 192L << 20, 128L << 20, cpus);
    }

    static Path cloud() {
        return GuestAssets.cloudKernel();
    }

    static Path generic() {
        return GuestAssets.genericKernel();
    }

    /** A+B for {@code kernel}, written once per test JVM. */
    static Path initrd(Path kernel) {
        return INITRDS.computeIfAbsent(kernel, k -> {
            try {
                byte[] a = Dom0Guest.initrd(GuestAssets.busybox(), k);
                return Files.write(TEMP.resolve(k.getFileName() + ".initrd"), Dom0Guest.withNextInitrd(a));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    static Path dumps() {
        try {
            return Files.createDirectories(TEMP.resolve("dumps"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Starts a machine and boots {@code kernel} into the dom0 guest (generation 1). */
    static Machine boot(Path kernel, MachineLayout layout) {
        Machine m = Machine.start(MachineOptions.builder().layout(layout).dumpDirectory(dumps()).build());
        try {
            long from = m.console().mark();
            m.boot(new KernelSpec(kernel, initrd(kernel), false, CONSOLE + " jkexec.gen=1", 64, ImageType.DEFAULT));
            awaitReady(m, "1", from);
            return m;
        } catch (RuntimeException | Error e) {
            m.close();
            throw e;
        }
    }

    static ConsoleLine awaitReady(Machine m, String gen, long from) {
        return m.console().awaitLine(Pattern.compile(Pattern.quote(GuestInit.READY) + " gen=" + gen + "\\b.*"), BOOT, from);
    }

    /** What a typed command printed and its exit status. */
    record Result(int status, String output) {
    }

    /** Types {@code command} into the guest's shell and waits for it to finish ({@link GuestShell}). */
    static Result run(Machine m, String command) {
        GuestShell.Result r = GuestShell.run(m.console(), command, COMMAND);
        return new Result(r.status(), r.output());
    }

    /** The kexec command line for the next kernel of generation {@code gen}. */
    static String append(String gen) {
        return CONSOLE + " jkexec.gen=" + gen;
    }
}
